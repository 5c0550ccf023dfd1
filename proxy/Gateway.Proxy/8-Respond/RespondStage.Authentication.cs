using Gateway.Audit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;

namespace Gateway.Proxy.Respond;

/// <summary>
/// What Respond sends of the records before any decision: the decision's receipt, once Record signed one, on every answer
/// (set when the response starts, so a streamed answer carries it too), and the Authenticate stage's refusal.
/// </summary>
internal sealed partial class RespondStage
{
    /// <summary>Sets <see cref="GatewayRequestFeature.ReceiptHeader"/> from the request's receipt as the response starts (state: the <see cref="HttpContext"/>).</summary>
    private static readonly Func<object, Task> SendReceipt = static state =>
    {
        var context = (HttpContext)state;
        if (context.GatewayRequest().Receipt is { } receipt)
        {
            context.Response.Headers[GatewayRequestFeature.ReceiptHeader] = receipt;
        }

        return Task.CompletedTask;
    };

    /// <summary>
    /// Answers the Authenticate stage's refusal (<paramref name="challenge"/>): recorded under the proven agent it names,
    /// when it names one (a foreign run, a person's token refused, a store outage or an unexpected failure once the signature
    /// was proven; 503 <c>audit_unavailable</c> when the journal cannot take it, but for a refusal answered whatever the
    /// journal, <see cref="AnsweredWhateverTheJournal"/>, whose record waits in the journal's backlog), then written in the
    /// route's dialect (presumed from a provider route's target: an unsigned OpenAI client reads an OpenAI error) with its
    /// <c>WWW-Authenticate</c> headers.
    /// </summary>
    public static async Task RefuseUnauthenticatedAsync(HttpContext context, AuthenticationChallenge challenge, AuditRecorder audit, ILogger logger)
    {
        var refusal = challenge.WwwAuthenticate.Count > 0 ? challenge.Refusal with { Challenges = challenge.WwwAuthenticate } : challenge.Refusal;
        if (challenge.RecordedUnder is { } identity)
        {
            try
            {
                await audit.RecordRefusalAsync(context, identity, tool: null, refusal.Code, refusal.Status).ConfigureAwait(false);
            }
            catch (AuditWriteException ex) when (AnsweredWhateverTheJournal(refusal))
            {
                LogRefusalBacklogged(logger, refusal.Code, ex);
            }
            catch (AuditWriteException)
            {
                refusal = Refusal.AuditUnavailable();
            }
        }

        LogUnauthenticated(logger, refusal.Status, refusal.Code);
        ProviderDialect.PresumeFor(context);
        await RefusalResponse.WriteAsync(context, refusal).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "Signed request refused: {Status} {Code}")]
    private static partial void LogUnauthenticated(ILogger logger, int status, string code);
}
