namespace Gateway.Proxy.Hosting;

/// <summary>
/// Inline I/O: a connection's reads, its requests' code and the sockets' completions run on the socket's event thread, no
/// thread-pool hop (Kestrel's <c>UnsafePreferInlineScheduling</c> and the runtime's inline socket completions).
/// <c>Gateway:Server:InlineScheduling</c> true or false; unset, <see cref="DefaultFor"/>: on 16 cores it measured better on
/// every #71 row, on 2 cores worse at full load (docs/performance.md, "Runtime settings").
/// </summary>
public static class InlineIo
{
    /// <summary>The setting: true or false; unset, <see cref="DefaultFor"/> this machine.</summary>
    public const string SettingKey = "Gateway:Server:InlineScheduling";

    /// <summary>The runtime's switch for the sockets' half, read once, when the process makes its first socket.</summary>
    public const string RuntimeVariable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>The fewest cores the default turns inline I/O on at (measured on 16; on 2 it cost a fifth of full load).</summary>
    public const int DefaultMinimumCores = 16;

    /// <summary>The default: on with <see cref="DefaultMinimumCores"/> cores or more on the Redis store, the one measured.</summary>
    public static bool DefaultFor(int cores, bool redisStore) => redisStore && cores >= DefaultMinimumCores;

    /// <summary>Whether inline I/O is on: the setting, else the default for this machine's cores and <paramref name="redisStore"/>.</summary>
    public static bool IsOn(IConfiguration configuration, bool redisStore) =>
        configuration.GetSection(ServerOptions.SectionName).Get<ServerOptions>()?.InlineScheduling ?? DefaultFor(Environment.ProcessorCount, redisStore);

    /// <summary>
    /// Turns inline I/O on for the host when <see cref="IsOn"/>: Kestrel's half, and the runtime's unless
    /// <see cref="RuntimeVariable"/> is already set (it takes effect only before the first socket, as when the process starts).
    /// </summary>
    public static void Apply(WebApplicationBuilder builder, bool redisStore)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!IsOn(builder.Configuration, redisStore))
        {
            return;
        }

        builder.WebHost.UseSockets(sockets => sockets.UnsafePreferInlineScheduling = true);
        if (Environment.GetEnvironmentVariable(RuntimeVariable) is null)
        {
            Environment.SetEnvironmentVariable(RuntimeVariable, "1");
        }
    }
}
