using System.ComponentModel.DataAnnotations;

namespace Gateway.Proxy.Console;

/// <summary>
/// <c>Gateway:Console</c>: the approvals console at <c>/console</c>. A tenant appears in it when its bundle declares an
/// <c>openid_provider</c> with a <c>client_id</c> and <c>client_secret</c> (the gateway's client at the provider, which
/// signs people in with the authorization-code flow) and this section maps the provider's groups to console roles.
/// </summary>
internal sealed class ConsoleOptions : IValidatableObject
{
    public const string Section = "Gateway:Console";

    /// <summary>Serve the console at all.</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How long a signed-in session lasts (it ends sooner on sign-out or when the person is suspended).</summary>
    [Range(typeof(TimeSpan), "00:05:00", "1.00:00:00")]
    public TimeSpan SessionLifetime { get; set; } = TimeSpan.FromHours(8);

    /// <summary>
    /// How long a session lasts without a request (sliding; the absolute <see cref="SessionLifetime"/> still ends it):
    /// an unattended browser is signed out. Positive and at most <see cref="SessionLifetime"/>.
    /// </summary>
    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan IdleTimeout { get; set; } = TimeSpan.FromMinutes(30);

    /// <summary>How long a person has to finish signing in at the provider.</summary>
    [Range(typeof(TimeSpan), "00:01:00", "00:30:00")]
    public TimeSpan SignInTimeout { get; set; } = TimeSpan.FromMinutes(10);

    /// <summary>
    /// The console's external origin (<c>https://gateway.example.com</c>), from which the redirect URI
    /// <c>&lt;origin&gt;/console/&lt;tenant&gt;/callback</c> is built; unset, the gateway's public origin
    /// (<c>Gateway:AccessTokens:PublicBaseUrl</c>), never a request's own <c>Host</c>.
    /// </summary>
    public string? PublicOrigin { get; set; }

    /// <summary>Per tenant: which claim names the person and which groups give which role.</summary>
    public Dictionary<string, ConsoleTenantOptions> Tenants { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The idle timeout never outlasts the session itself.</summary>
    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext)
    {
        if (IdleTimeout > SessionLifetime)
        {
            yield return new ValidationResult("Gateway:Console:IdleTimeout must not exceed Gateway:Console:SessionLifetime.", [nameof(IdleTimeout)]);
        }
    }
}
