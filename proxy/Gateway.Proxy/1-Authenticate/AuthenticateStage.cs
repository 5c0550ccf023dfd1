namespace Gateway.Proxy.Authenticate;

/// <summary>
/// Authenticate: the first stage of the walk inside YARP's pipeline (Respond wraps it and answers last). It proves who sent
/// the request (<see cref="AgentAuthenticator"/>): proven, its record (<see cref="AuthenticatedRequest"/>) is added and
/// the walk goes on; refused, its record is the refusal (<see cref="AuthenticationChallenge"/>) and nothing after it runs:
/// Respond records it (when it names a proven agent) and writes it.
/// </summary>
internal sealed class AuthenticateStage(RequestDelegate next, AgentAuthenticator authenticator)
{
    public Task InvokeAsync(HttpContext context)
    {
        // Proving the agent completes without waiting almost always (a person's token check may wait): then the next
        // stage runs from here, with no state machine of this stage's held across the rest of the walk.
        var authenticating = authenticator.AuthenticateAsync(context);
        return authenticating.IsCompletedSuccessfully
            ? authenticating.Result is null ? next(context) : Task.CompletedTask
            : WalkOnceAuthenticatedAsync(authenticating, context);
    }

    private async Task WalkOnceAuthenticatedAsync(ValueTask<AuthenticationChallenge?> authenticating, HttpContext context)
    {
        if (await authenticating.ConfigureAwait(false) is null)
        {
            await next(context).ConfigureAwait(false);
        }
    }
}
