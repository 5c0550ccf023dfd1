using System.Collections.Frozen;
using Gateway.Connectors.Credentials;
using Gateway.Policy.Bundles;
using Gateway.Policy;
using Gateway.Policy.Files;
using Gateway.Proxy.Configuration;
using Gateway.Proxy.Security;
using Gateway.Proxy.Telemetry;
using Microsoft.Extensions.Options;

namespace Gateway.Proxy.Bundle;

/// <summary>
/// Holds the current <see cref="PolicySnapshot"/> and replaces it when the bundle directory changes, or a file an agent's
/// <c>file:</c> secret names outside it (a mounted Secret's, re-read on the poll), or, after a refusal, a file the refused
/// bundle's <c>file:</c> references name (a Secret mounted after the ConfigMap that names it: the bundle is loaded again).
/// A changed bundle is validated in full first: an invalid one is refused (logged with every error,
/// counted), and the running policy stays. Readers never lock: the snapshot is swapped atomically.
/// </summary>
public sealed partial class PolicyProvider : IDisposable
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(5);

    private readonly GatewayOptions.PolicySettings _settings;
    private readonly IAgentSecretResolver _secrets;
    private readonly CredentialFileConfinement _confinement;
    private readonly bool _environmentPerTenant;
    private readonly GatewayMetrics _metrics;
    private readonly TimeProvider _time;
    private readonly ILogger<PolicyProvider> _logger;
    private readonly SemaphoreSlim _reloadGate = new(1, 1);
    private FileSystemWatcher? _watcher;
    private ITimer? _debounce;
    private ITimer? _poll;
    private string _fingerprint = string.Empty;
    private IReadOnlyList<string> _secretFiles = [];
    private IReadOnlyList<string> _watchedFiles = [];
    private volatile PolicySnapshot? _current;

    public PolicyProvider(
        IOptions<GatewayOptions> options,
        IAgentSecretResolver secrets,
        CredentialFileConfinement confinement,
        IOptions<GatewayCredentialsOptions> credentials,
        GatewayMetrics metrics,
        TimeProvider time,
        ILogger<PolicyProvider> logger)
    {
        _settings = options.Value.Policy;
        _secrets = secrets;
        _confinement = confinement;
        _environmentPerTenant = credentials.Value.EnvironmentPerTenant;
        _metrics = metrics;
        _time = time;
        _logger = logger;
    }

    /// <summary>The policy in force, or null before the first successful load.</summary>
    public PolicySnapshot? Current => _current;

    /// <summary>
    /// Raised with a new snapshot just before it becomes <see cref="Current"/>, so that what is derived
    /// from it (the proxy's routes and clusters) is in place before any request is decided on it.
    /// </summary>
    public event Action<PolicySnapshot>? Applying;

    /// <summary>Raised with a new snapshot once it is <see cref="Current"/> (what tells clients about it: the MCP sessions' list changes).</summary>
    public event Action<PolicySnapshot>? Applied;

    /// <summary>
    /// Loads the bundle for the first time and starts watching it. Throws with every validation
    /// error when the bundle is invalid: the gateway does not start without a valid policy.
    /// </summary>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var result = await TryLoadAsync(cancellationToken).ConfigureAwait(false);
        if (result.Errors.Count > 0)
        {
            throw new InvalidOperationException("The policy bundle is invalid:" + Environment.NewLine
                + string.Join(Environment.NewLine, result.Errors.Select(Format)));
        }

        _watcher = new FileSystemWatcher(Path.GetFullPath(_settings.BundlePath))
        {
            IncludeSubdirectories = true,
            NotifyFilter = NotifyFilters.FileName | NotifyFilters.DirectoryName | NotifyFilters.LastWrite | NotifyFilters.Size,
        };
        _watcher.Changed += OnChanged;
        _watcher.Created += OnChanged;
        _watcher.Deleted += OnChanged;
        _watcher.Renamed += OnChanged;
        _watcher.EnableRaisingEvents = true;

        // Kubernetes swaps ConfigMap contents through a symlink, which some watchers miss: poll too.
        _poll = _time.CreateTimer(_ => _ = ReloadIfChangedAsync(), null, PollInterval, PollInterval);
    }

    /// <summary>Reloads now; returns the errors that refused the new bundle (empty when applied).</summary>
    public async Task<IReadOnlyList<BundleError>> ReloadAsync(CancellationToken cancellationToken = default)
    {
        var result = await TryLoadAsync(cancellationToken).ConfigureAwait(false);
        return result.Errors;
    }

    public void Dispose()
    {
        _watcher?.Dispose();
        _debounce?.Dispose();
        _poll?.Dispose();
        _reloadGate.Dispose();
    }

    private void OnChanged(object sender, FileSystemEventArgs e)
    {
        _debounce?.Dispose();
        _debounce = _time.CreateTimer(_ => _ = ReloadIfChangedAsync(), null, _settings.ReloadDebounce, Timeout.InfiniteTimeSpan);
    }

    /// <summary>
    /// Reloads now whether or not anything changed (what SIGHUP asks for), as the watcher reloads: applied or refused, logged
    /// and counted; a failure leaves the running policy in force and is never thrown.
    /// </summary>
    public Task ReloadRequestedAsync() => ReloadGuardedAsync(force: true);

    private Task ReloadIfChangedAsync() => ReloadGuardedAsync(force: false);

    private async Task ReloadGuardedAsync(bool force)
    {
        try
        {
            if (force || Fingerprint(BundleFingerprint.Compute(_settings.BundlePath), BundleFingerprint.OfFiles(_watchedFiles)) != _fingerprint)
            {
                await TryLoadAsync(CancellationToken.None).ConfigureAwait(false);
            }
        }
        catch (Exception ex)
        {
            // Whatever a reload meets, the policy in force stays and the alert on refused reloads fires.
            _metrics.PolicyReloads.Add(1, new KeyValuePair<string, object?>("result", "refused"));
            LogReloadFailed(_logger, ex);
        }
    }

    private async Task<BundleLoadResult> TryLoadAsync(CancellationToken cancellationToken)
    {
        await _reloadGate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var bundle = BundleFingerprint.Compute(_settings.BundlePath);
            var source = PolicyBundleDirectory.Read(_settings.BundlePath);
            var named = new Dictionary<string, bool>(StringComparer.Ordinal);
            var exists = source.FileExists;
            source = source with { FileExists = path => named[path] = exists(path) };
            var result = ConfineEnvironmentReferences(ConfineFileCredentials(PolicyBundleLoader.Load(source, _time.GetUtcNow())));
            if (result.Errors.Count > 0 || result.Set is null)
            {
                RecordRefused(bundle, named);
                _metrics.PolicyReloads.Add(1, new KeyValuePair<string, object?>("result", "refused"));
                foreach (var error in result.Errors)
                {
                    LogBundleError(_logger, Format(error));
                }

                LogReloadRefused(_logger, result.Errors.Count);
                return result;
            }

            // Taken before the secrets are read: a file replaced while they are is read again on the next poll.
            var secretFiles = AgentSecretFiles(result.Set);
            var fingerprint = Fingerprint(bundle, BundleFingerprint.OfFiles(secretFiles));
            var secrets = new Dictionary<(string, string), AgentSecrets>();
            var keys = new Dictionary<(string, string), AgentKeys>();
            foreach (var tenant in result.Set.Tenants.Values)
            {
                foreach (var agent in tenant.Register.Agents)
                {
                    if (agent.PublicKey is { } publicKey)
                    {
                        keys[(tenant.Slug, agent.Id)] = new AgentKeys(new AgentKey(publicKey), agent.NextPublicKey is { } next ? new AgentKey(next) : null, agent.RotationEnds);
                        continue;
                    }

                    if (agent.Secret is null)
                    {
                        continue;
                    }

                    var text = await _secrets.ResolveAsync(tenant.Slug, agent.Secret, cancellationToken).ConfigureAwait(false);
                    if (string.IsNullOrEmpty(text))
                    {
                        LogSecretUnresolved(_logger, tenant.Slug, agent.Id, agent.Secret.ToString());
                        continue;
                    }

                    secrets[(tenant.Slug, agent.Id)] = new AgentSecrets(new AgentSecret(text), await ResolveNextAsync(tenant.Slug, agent, text, cancellationToken).ConfigureAwait(false), agent.RotationEnds);
                }
            }

            var snapshot = new PolicySnapshot(result.Set, secrets.ToFrozenDictionary(), keys.ToFrozenDictionary(), _time.GetUtcNow());
            Applying?.Invoke(snapshot);
            _current = snapshot;
            _secretFiles = secretFiles;
            _watchedFiles = secretFiles;
            _fingerprint = fingerprint;
            _metrics.PolicyReloads.Add(1, new KeyValuePair<string, object?>("result", "applied"));
            LogApplied(_logger, result.Set.Tenants.Count);
            Applied?.Invoke(snapshot);
            return result;
        }
        finally
        {
            _reloadGate.Release();
        }
    }

    /// <summary>
    /// The agent's next secret, or null when it names none, resolves to nothing or to the current secret's text (no
    /// rotation then: its requests are verified with the current secret alone).
    /// </summary>
    private async ValueTask<AgentSecret?> ResolveNextAsync(string tenant, AgentRecord agent, string current, CancellationToken cancellationToken)
    {
        if (agent.NextSecret is null)
        {
            return null;
        }

        var next = await _secrets.ResolveAsync(tenant, agent.NextSecret, cancellationToken).ConfigureAwait(false);
        if (string.IsNullOrEmpty(next) || next == current)
        {
            LogNextSecretUnused(_logger, tenant, agent.Id, agent.NextSecret.ToString());
            return null;
        }

        return new AgentSecret(next);
    }

    private static string Fingerprint(string bundle, string secretFiles) => bundle + ":" + secretFiles;

    /// <summary>
    /// What the poll compares after a refusal: the running policy's secret files are still watched, and so is each file the
    /// refused bundle's <c>file:</c> references name (<paramref name="named"/>: whether the loader found it), outside the bundle
    /// directory as they may be: one missing then (a Secret mounted after the ConfigMap that names it) has the bundle loaded
    /// again when it appears, and the refusal is not logged again until something it depends on changes.
    /// </summary>
    private void RecordRefused(string bundle, Dictionary<string, bool> named)
    {
        var watched = _secretFiles.Concat(named.Keys.Select(Path.GetFullPath)).Distinct().Order(StringComparer.Ordinal).ToArray();
        var fingerprint = Fingerprint(bundle, BundleFingerprint.OfFiles(watched));
        _watchedFiles = watched;

        // A file that appeared (or went) after the loader looked is in the fingerprint as it is now, not as the refusal saw it:
        // no fingerprint then, so that the next poll loads the bundle again.
        _fingerprint = named.All(n => File.Exists(n.Key) == n.Value) ? fingerprint : string.Empty;
    }

    /// <summary>The full paths of the files that the agents' <c>file:</c> secrets (current and next) name, in order.</summary>
    private static IReadOnlyList<string> AgentSecretFiles(PolicySet set) =>
        (from tenant in set.Tenants.Values
         from agent in tenant.Register.Agents
         where agent.PublicKey is null
         from reference in new[] { agent.Secret, agent.NextSecret }
         where reference is { Source: SecretSource.File }
         select Path.GetFullPath(reference.ResolvedPath ?? reference.Name)).Distinct().Order(StringComparer.Ordinal).ToArray();

    /// <summary>Refuses a bundle whose <c>file:</c> credentials leave their tenant's credentials directory.</summary>
    private BundleLoadResult ConfineFileCredentials(BundleLoadResult result)
    {
        var errors = (from tenant in result.Set?.Tenants.Values ?? []
                      from entry in tenant.Catalog
                      where entry.Credential is { Source: SecretSource.File }
                      let refusal = _confinement.Check(tenant.Slug, entry.Credential!.Name, entry.Credential.ResolvedPath ?? entry.Credential.Name)
                      where refusal is not null
                      select new BundleError(tenant.SourceFile ?? tenant.Slug, 0, 0, "credential_file_confined", $"catalog entry '{entry.Name}': {refusal}")).ToArray();
        return errors.Length == 0 ? result : result with { Set = null, Errors = [.. result.Errors, .. errors] };
    }

    /// <summary>
    /// Where variables are the tenants' (<see cref="GatewayCredentialsOptions.EnvironmentPerTenant"/>), refuses a bundle whose
    /// <c>env:</c> references name a variable that is not their tenant's own.
    /// </summary>
    private BundleLoadResult ConfineEnvironmentReferences(BundleLoadResult result)
    {
        if (!_environmentPerTenant || result.Set is not { } set)
        {
            return result;
        }

        var errors = TenantSecretReferences.EnvironmentConfinementErrors(set);
        return errors.Count == 0 ? result : result with { Set = null, Errors = [.. result.Errors, .. errors] };
    }

    private static string Format(BundleError error) => $"{error.File}:{error.Line}:{error.Column}: {error.Code}: {error.Message}";

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "Policy applied: {TenantCount} tenant(s)")]
    private static partial void LogApplied(ILogger logger, int tenantCount);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Error, Message = "Policy bundle refused with {ErrorCount} error(s); the running policy stays in force")]
    private static partial void LogReloadRefused(ILogger logger, int errorCount);

    [LoggerMessage(EventId = 2003, Level = LogLevel.Error, Message = "Policy bundle error: {Error}")]
    private static partial void LogBundleError(ILogger logger, string error);

    [LoggerMessage(EventId = 2004, Level = LogLevel.Warning, Message = "Runtime secret of agent {Tenant}/{Agent} could not be resolved from {Reference}; its requests are refused")]
    private static partial void LogSecretUnresolved(ILogger logger, string tenant, string agent, string reference);

    [LoggerMessage(EventId = 2006, Level = LogLevel.Warning, Message = "Next runtime secret of agent {Tenant}/{Agent} from {Reference} resolves to nothing or to the current secret; only the current secret is accepted")]
    private static partial void LogNextSecretUnused(ILogger logger, string tenant, string agent, string reference);

    [LoggerMessage(EventId = 2005, Level = LogLevel.Warning, Message = "Policy reload check failed")]
    private static partial void LogReloadFailed(ILogger logger, Exception exception);
}
