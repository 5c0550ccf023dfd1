using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// The responder of the route kinds whose local destination answers with a <see cref="LocalAnswer"/> (runs, run events,
/// delegations, approval polls, a remote agent's card): its headers (<c>Cache-Control: no-store</c>, <c>Location</c>),
/// then its result. A destination that answered nothing is a bug (500).
/// </summary>
internal sealed class LocalAnswerResponder : IRouteResponder
{
    public ValueTask RespondAsync(HttpContext context, GatewayRequestFeature feature)
    {
        if (feature.Find<LocalAnswer>() is not { } answer)
        {
            feature.Add(Refusal.Internal());
            return ValueTask.CompletedTask;
        }

        if (answer.NoStore)
        {
            context.Response.Headers.CacheControl = "no-store";
        }

        if (answer.Location is { } location)
        {
            context.Response.Headers.Location = location;
        }

        return new ValueTask(answer.Result.ExecuteAsync(context));
    }
}
