namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Authenticate: the first stage of the walk inside YARP's pipeline (Respond wraps it and answers last). It proves who sent
/// the request (<see cref="AgentAuthenticator"/>): proven, its record (<see cref="AuthenticatedRequest"/>) is added and
/// the walk goes on; refused, its record is the refusal (<see cref="AuthenticationChallenge"/>) and nothing after it runs:
/// Respond records it (when it names a proven agent) and writes it.
/// </summary>
internal sealed class AuthenticateStage(RequestDelegate next, AgentAuthenticator authenticator)
{
    public async Task InvokeAsync(HttpContext context)
    {
        if (await authenticator.AuthenticateAsync(context).ConfigureAwait(false) is null)
        {
            await next(context).ConfigureAwait(false);
        }
    }
}
