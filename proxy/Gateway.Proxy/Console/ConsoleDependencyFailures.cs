using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Console;

/// <summary>
/// The console's endpoint filter for a failed dependency: a page or sign-in step whose state store or audit journal
/// fails answers the console's refusal page, 503 with the code the stages give it (<see cref="DependencyFailures"/>),
/// in HTML for the person's browser.
/// </summary>
internal static class ConsoleDependencyFailures
{
    public static async ValueTask<object?> InvokeAsync(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context).ConfigureAwait(false);
        }
        catch (Exception ex) when (DependencyFailures.RefusalFor(ex) is { } refusal && !context.HttpContext.Response.HasStarted)
        {
            return ConsoleHtml.Refusal(refusal.Status, refusal.Code, refusal.Detail ?? refusal.Code);
        }
    }
}
