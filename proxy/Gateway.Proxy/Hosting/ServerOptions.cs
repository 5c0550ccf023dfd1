namespace Gateway.Proxy.Hosting;

/// <summary>How the gateway's own server runs (<c>Gateway:Server</c>), read before the host is built.</summary>
public sealed class ServerOptions
{
    public const string SectionName = "Gateway:Server";

    /// <summary><c>Gateway:Server:InlineScheduling</c>: inline I/O on or off; unset, <see cref="InlineIo.DefaultFor"/> this machine.</summary>
    public bool? InlineScheduling { get; set; }
}
