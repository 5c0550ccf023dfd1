using Gateway.Connectors.Credentials;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Configuration;

/// <summary>
/// Refuses a credentials root that is not an absolute path, that is the filesystem root or is, holds or lies in a kernel
/// file system (<c>/proc</c>, <c>/sys</c>, <c>/dev</c>), and a vault cache interval outside 0 to 30 s.
/// </summary>
internal sealed class GatewayCredentialsOptionsValidator : IValidateOptions<GatewayCredentialsOptions>
{
    // Under these a tenant named after a directory (proc, self) could name the gateway's own files: file:/proc/self/environ.
    private static readonly string[] SystemDirectories = ["/proc", "/sys", "/dev"];

    public ValidateOptionsResult Validate(string? name, GatewayCredentialsOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Root is { } root && !Path.IsPathFullyQualified(root))
        {
            errors.Add($"{GatewayCredentialsOptions.SectionName}:Root must be an absolute path, not '{root}'.");
        }
        else if (options.Root is { } absolute && ExposesSystemFiles(absolute))
        {
            errors.Add($"{GatewayCredentialsOptions.SectionName}:Root must not be the filesystem root nor be, hold or lie in /proc, /sys or /dev, not '{absolute}': "
                + "a tenant named after a directory there could name the gateway's own files (file:/proc/self/environ). Use a directory of its own, e.g. /var/run/gateway/credentials.");
        }

        if (options.VaultCacheTtl < TimeSpan.Zero || options.VaultCacheTtl > CredentialResolverOptions.MaxVaultCacheTtl)
        {
            errors.Add($"{GatewayCredentialsOptions.SectionName}:VaultCacheTtl must be between 00:00:00 and {CredentialResolverOptions.MaxVaultCacheTtl:c}, not {options.VaultCacheTtl:c}.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool ExposesSystemFiles(string root)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(root));
        if (string.Equals(full, Path.TrimEndingDirectorySeparator(Path.GetPathRoot(full) ?? full), StringComparison.OrdinalIgnoreCase))
        {
            return true;
        }

        return !OperatingSystem.IsWindows() && SystemDirectories.Any(system => Within(full, system) || Within(system, full));
    }

    // True when path is directory or lies under it.
    private static bool Within(string path, string directory) =>
        string.Equals(path, directory, StringComparison.Ordinal) || path.StartsWith(directory + "/", StringComparison.Ordinal);
}
