using System.Text.Json.Serialization;

namespace Gateway.Policy;

/// <summary>Where the people of an <see cref="InteractiveAccess"/> block sign in (<c>interactive.sign_in</c>).</summary>
public enum InteractiveSignIn
{
    /// <summary>At the tenant's <c>openid_provider</c>, through the console's sign-in (the default).</summary>
    [JsonStringEnumMemberName("openid_provider")]
    OpenIdProvider,

    /// <summary>
    /// On the console's admin-token page, which only a gateway in the Development environment serves (<c>make run</c>):
    /// the person is <c>admin-token:&lt;token name&gt;</c>. Elsewhere such a block is inert: no client can use it.
    /// </summary>
    [JsonStringEnumMemberName("development_admin_token")]
    DevelopmentAdminToken,
}
