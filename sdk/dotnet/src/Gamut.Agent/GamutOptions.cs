using System.Collections;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Gamut.Agent;

/// <summary>
/// Exactly the five values of the agent protocol (and a timeout), each trimmed of surrounding whitespace as it is set (as
/// the Python and Node SDKs do: a secret read from a file with a trailing newline signs as the secret); an agent registered with a public key gives
/// <see cref="PrivateKey"/> and <see cref="KeyId"/> instead of <see cref="Secret"/>. Nothing here can carry a provider
/// key, a tool credential or an upstream URL; <see cref="Validate"/> refuses a base URL that is a provider or model
/// endpoint, a plain-http base URL on a host other than loopback (unless <see cref="AllowInsecureHttp"/>), a secret shaped
/// like a provider key, and a secret and a key together.
/// </summary>
public sealed partial record GamutOptions
{
    public const string BaseUrlVariable = "GAMUT_BASE_URL";
    public const string TenantVariable = "GAMUT_TENANT_SLUG";
    public const string WorkspaceVariable = "GAMUT_WORKSPACE_ID";
    public const string AgentIdVariable = "GAMUT_AGENT_ID";
    public const string SecretVariable = "GAMUT_BYO_AGENT_SECRET";
    public const string PrivateKeyVariable = "GAMUT_AGENT_PRIVATE_KEY";
    public const string KeyIdVariable = "GAMUT_AGENT_KEY_ID";
    public const string AllowInsecureHttpVariable = "GAMUT_ALLOW_INSECURE_HTTP";

    /// <summary>GAMUT_BASE_URL: the gateway's one base URL.</summary>
    public required string BaseUrl { get; init => field = Trimmed(value); }

    /// <summary>GAMUT_TENANT_SLUG.</summary>
    public required string Tenant { get; init => field = Trimmed(value); }

    /// <summary>GAMUT_WORKSPACE_ID.</summary>
    public required string Workspace { get; init => field = Trimmed(value); }

    /// <summary>GAMUT_AGENT_ID.</summary>
    public required string AgentId { get; init => field = Trimmed(value); }

    /// <summary>GAMUT_BYO_AGENT_SECRET: the agent's runtime secret (never printed by <see cref="ToString"/>); empty for an agent that signs with a key pair.</summary>
    public string Secret { get; init => field = Trimmed(value); } = string.Empty;

    /// <summary>
    /// GAMUT_AGENT_PRIVATE_KEY: the agent's Ed25519 or ECDSA P-256 private key (PEM or base64 PKCS#8), instead of
    /// <see cref="Secret"/>, for an agent registered with its public key (never printed by <see cref="ToString"/>).
    /// </summary>
    public string? PrivateKey { get; init; }

    /// <summary>GAMUT_AGENT_KEY_ID: the <c>key_id</c> the agent's public key is registered under in the bundle.</summary>
    public string? KeyId { get; init => field = value?.Trim(); }

    /// <summary>The parsed <see cref="PrivateKey"/>, read once; null for an agent that signs with a secret.</summary>
    internal AgentKeyPair? KeyPair => string.IsNullOrWhiteSpace(PrivateKey) ? null : field ??= AgentKeyPair.Parse(PrivateKey);

    /// <summary>
    /// A delegated child's secret as the gateway minted it (<see cref="GamutClient.DelegateAsync"/>): random base64url, never
    /// a provider key, though a few in a million start like one (<c>sk-</c>, <c>hf_</c>), so <see cref="Validate"/> does not
    /// check <see cref="Secret"/> for a provider key's shape while it is this value. Not settable outside the SDK.
    /// </summary>
    internal string? GatewayIssuedSecret { get; init; }

    /// <summary>Per-request timeout; a timed-out call is never retried.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>
    /// GAMUT_ALLOW_INSECURE_HTTP: lets a plain-http <see cref="BaseUrl"/> name a host other than loopback (refused
    /// otherwise: signed requests and a person's identity token would cross the network in clear). Only where that
    /// network is trusted, e.g. pod traffic encrypted by the CNI or a service mesh with mTLS. <see cref="BaseUrl"/> is still
    /// the gateway's public origin, not a cluster-internal Service's address: a key-pair agent signs the URL it calls.
    /// </summary>
    public bool AllowInsecureHttp { get; init; }

    /// <summary>
    /// The five values from the environment (or <paramref name="environment"/>) and GAMUT_ALLOW_INSECURE_HTTP (<c>true</c>
    /// or <c>false</c>); another GAMUT_* variable naming a provider setting or credential is refused.
    /// </summary>
    public static GamutOptions FromEnvironment(IDictionary? environment = null)
    {
        environment ??= Environment.GetEnvironmentVariables();
        foreach (DictionaryEntry entry in environment)
        {
            var name = (string)entry.Key;
            if (!name.StartsWith("GAMUT_", StringComparison.Ordinal) || name is BaseUrlVariable or TenantVariable or WorkspaceVariable or AgentIdVariable or SecretVariable or PrivateKeyVariable or KeyIdVariable or AllowInsecureHttpVariable)
            {
                continue;
            }

            if (SecretMaterial.SensitiveMemberKind(name["GAMUT_".Length..]) is not null || ProviderVariable().IsMatch(name))
            {
                throw new GamutConfigurationException($"{name} is provider configuration or a credential: an agent receives only the five GAMUT_* values.");
            }
        }

        return new GamutOptions
        {
            BaseUrl = environment[BaseUrlVariable] as string ?? string.Empty,
            Tenant = environment[TenantVariable] as string ?? string.Empty,
            Workspace = environment[WorkspaceVariable] as string ?? string.Empty,
            AgentId = environment[AgentIdVariable] as string ?? string.Empty,
            Secret = environment[SecretVariable] as string ?? string.Empty,
            PrivateKey = environment[PrivateKeyVariable] as string,
            KeyId = environment[KeyIdVariable] as string,
            AllowInsecureHttp = (environment[AllowInsecureHttpVariable] as string)?.Trim().ToUpperInvariant() switch
            {
                null or "" or "FALSE" => false,
                "TRUE" => true,
                _ => throw new GamutConfigurationException($"{AllowInsecureHttpVariable} must be true or false."),
            },
        };
    }

    /// <summary>Checks every value; throws <see cref="GamutConfigurationException"/> naming all that are wrong.</summary>
    public Uri Validate()
    {
        var errors = new List<string>();
        var keyPair = PrivateKey is not null || KeyId is not null;
        foreach (var (value, name) in new[] { (BaseUrl, BaseUrlVariable), (Tenant, TenantVariable), (Workspace, WorkspaceVariable), (AgentId, AgentIdVariable), (keyPair ? "-" : Secret, SecretVariable) })
        {
            if (string.IsNullOrWhiteSpace(value))
            {
                errors.Add($"{name} is required.");
            }
        }

        Uri? baseUri = null;
        if (!string.IsNullOrWhiteSpace(BaseUrl))
        {
            if (!Uri.TryCreate(BaseUrl.Trim(), UriKind.Absolute, out baseUri) || (baseUri.Scheme != Uri.UriSchemeHttp && baseUri.Scheme != Uri.UriSchemeHttps))
            {
                errors.Add($"{BaseUrlVariable} must be an http or https URL.");
            }
            else if (baseUri.UserInfo.Length > 0 || baseUri.Query.Length > 0 || baseUri.Fragment.Length > 0)
            {
                errors.Add($"{BaseUrlVariable} must be the gateway's base URL, without credentials, query or fragment.");
            }
            else if (ProviderHost().IsMatch(baseUri.Host) || ProviderPath().IsMatch(baseUri.AbsolutePath.TrimEnd('/')))
            {
                errors.Add($"{BaseUrlVariable} looks like a provider or model endpoint; it must be the gateway's one base URL.");
            }
            else if (baseUri.AbsolutePath.TrimEnd('/').Length > 0)
            {
                errors.Add($"{BaseUrlVariable} must be the gateway's origin (scheme, host, port) without a path: the gateway serves at its root, and a request is signed for the path the gateway reads.");
            }
            else if (IsInsecureHttp(baseUri, AllowInsecureHttp))
            {
                errors.Add($"{BaseUrlVariable} is plain http:// to {baseUri.Host}, a host other than loopback: signed requests, a person's identity token and the gateway's answers would cross the network in clear. " +
                    $"Use https://, or set AllowInsecureHttp = true ({AllowInsecureHttpVariable}=true) only where that network is trusted (e.g. pod traffic encrypted by the CNI, or a service mesh with mTLS).");
            }
        }

        if (!string.IsNullOrWhiteSpace(Secret) && Secret != GatewayIssuedSecret && SecretMaterial.SecretKindsIn(Secret).Count > 0)
        {
            errors.Add($"{SecretVariable} looks like a provider key or token; it must be the agent's Gamut runtime secret.");
        }

        if (keyPair)
        {
            ValidateKeyPair(errors);
        }

        if (Timeout <= TimeSpan.Zero)
        {
            errors.Add("Timeout must be positive.");
        }

        if (errors.Count > 0)
        {
            throw new GamutConfigurationException(string.Join(" ", errors));
        }

        return new Uri(baseUri!.GetLeftPart(UriPartial.Authority) + baseUri.AbsolutePath.TrimEnd('/'));
    }

    /// <summary>A key pair instead of the secret: both the key and its id, never with a secret, the key readable.</summary>
    private void ValidateKeyPair(List<string> errors)
    {
        if (!string.IsNullOrEmpty(Secret))
        {
            errors.Add($"An agent signs with {SecretVariable} or with {PrivateKeyVariable} and {KeyIdVariable}, never both.");
        }

        if (KeyId is null || !KeyIdPattern().IsMatch(KeyId))
        {
            errors.Add($"{KeyIdVariable} is required with a key: the key_id the agent's public key is registered under (1 to 128 of [A-Za-z0-9._:-]).");
        }

        try
        {
            if (KeyPair is null)
            {
                errors.Add($"{PrivateKeyVariable} is required with a key id.");
            }
        }
        catch (GamutConfigurationException ex)
        {
            errors.Add(ex.Message);
        }
    }

    /// <summary>Plain http to a host other than loopback (<c>localhost</c>, 127.0.0.0/8, ::1), not <paramref name="allowed"/>.</summary>
    internal static bool IsInsecureHttp(Uri uri, bool allowed) => uri.Scheme == Uri.UriSchemeHttp && !allowed && !IsLoopbackHost(uri);

    private static bool IsLoopbackHost(Uri uri) => uri.HostNameType switch
    {
        UriHostNameType.Dns => string.Equals(uri.IdnHost, "localhost", StringComparison.OrdinalIgnoreCase),
        UriHostNameType.IPv4 or UriHostNameType.IPv6 when IPAddress.TryParse(uri.IdnHost, out var address) =>
            address.AddressFamily == AddressFamily.InterNetwork ? address.GetAddressBytes()[0] == 127 : address.Equals(IPAddress.IPv6Loopback),
        _ => false,
    };

    private static string Trimmed(string? value) => value?.Trim() ?? string.Empty;

    /// <inheritdoc/>
    public override string ToString() => $"GamutOptions {{ BaseUrl = {BaseUrl}, Tenant = {Tenant}, Workspace = {Workspace}, AgentId = {AgentId} }}";

    [GeneratedRegex(@"(^|\.)(openai\.com|openai\.azure\.com|anthropic\.com|googleapis\.com|mistral\.ai|groq\.com|cohere\.(ai|com)|together\.xyz|openrouter\.ai|amazonaws\.com|huggingface\.co)$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex ProviderHost();

    [GeneratedRegex(@"/providers(/|$)|/v\d+$", RegexOptions.CultureInvariant)]
    private static partial Regex ProviderPath();

    [GeneratedRegex("^[A-Za-z0-9._:-]{1,128}\\z", RegexOptions.CultureInvariant)]
    private static partial Regex KeyIdPattern();

    [GeneratedRegex("(_API_KEY|_BASE_URL|_ENDPOINT|_TOKEN)$", RegexOptions.CultureInvariant)]
    private static partial Regex ProviderVariable();
}
