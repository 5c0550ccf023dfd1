using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Respond;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// Runs the Authenticate stage (<see cref="AgentAuthenticator"/>) on every agent route (<see cref="AgentRouteMetadata"/>)
/// once routing chose the endpoint, and hands a refusal to the Respond stage (<see cref="AuthenticationRefusalResponder"/>):
/// nothing after it runs for a request it refused. Other endpoints (health, admin, the console, the OpenAPI document,
/// OAuth's) pass untouched.
/// </summary>
internal sealed class AgentAuthentication
{
    private readonly RequestDelegate _next;
    private readonly AgentAuthenticator _authenticator;
    private readonly AuthenticationRefusalResponder _respond;

    public AgentAuthentication(RequestDelegate next, AgentAuthenticator authenticator, AuthenticationRefusalResponder respond)
    {
        _next = next;
        _authenticator = authenticator;
        _respond = respond;
    }

    public Task InvokeAsync(HttpContext context) =>
        AgentRouteMetadata.IsAgentRoute(context.GetEndpoint()) ? AuthenticateAsync(context) : _next(context);

    private async Task AuthenticateAsync(HttpContext context)
    {
        if (await _authenticator.AuthenticateAsync(context).ConfigureAwait(false) is not null)
        {
            await _respond.RefuseAsync(context).ConfigureAwait(false);
            return;
        }

        await _next(context).ConfigureAwait(false);
    }
}
