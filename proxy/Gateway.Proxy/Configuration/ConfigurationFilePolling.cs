using Microsoft.Extensions.Configuration.Json;
using Microsoft.Extensions.FileProviders;

namespace Gateway.Proxy.Configuration;

/// <summary>
/// The configuration files (<c>appsettings.json</c>, <c>appsettings.{environment}.json</c>) reloaded by polling each file
/// (the file provider checks it every four seconds) instead of the host's default, a file system watcher over the whole content root and
/// every directory below it: with the data directory under the content root (its default, <c>.gateway-data</c>), that
/// watcher woke on every journal and audit write to find that no configuration file had changed.
/// </summary>
public static class ConfigurationFilePolling
{
    // Read by the host builder before it adds the configuration files: added without a watcher of their own.
    private const string HostReloadKey = "--hostBuilder:reloadConfigOnChange=false";

    /// <summary>The command line for the host builder: the files added without a watcher (a later argument still wins).</summary>
    public static string[] HostArguments(string[] args) => [HostReloadKey, .. args];

    /// <summary>
    /// Replaces each JSON file source of <paramref name="configuration"/> with one reloaded on change by polling the file
    /// in the source's own directory (one provider, so one polling timer, per directory); the configuration is rebuilt
    /// from its sources as it does for any change to them.
    /// </summary>
    public static void PollFiles(IConfigurationBuilder configuration, string contentRoot)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        ArgumentException.ThrowIfNullOrEmpty(contentRoot);
        var sources = configuration.Sources;
        var polled = new Dictionary<string, PhysicalFileProvider>(StringComparer.Ordinal);
        for (var i = 0; i < sources.Count; i++)
        {
            if (sources[i] is not JsonConfigurationSource { Path: { } path } json || json.FileProvider is PhysicalFileProvider { UsePollingFileWatcher: true })
            {
                continue;
            }

            var root = (json.FileProvider as PhysicalFileProvider)?.Root ?? contentRoot;
            if (!polled.TryGetValue(root, out var provider))
            {
                provider = new PhysicalFileProvider(root) { UsePollingFileWatcher = true, UseActivePolling = true };
                polled.Add(root, provider);
            }

            sources[i] = new JsonConfigurationSource
            {
                Path = path,
                Optional = json.Optional,
                ReloadOnChange = true,
                ReloadDelay = json.ReloadDelay,
                OnLoadException = json.OnLoadException,
                FileProvider = provider,
            };
        }
    }
}
