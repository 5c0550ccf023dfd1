using System.Diagnostics;
using System.Runtime.CompilerServices;
using Gateway.Audit;
using Gateway.Connectors.Credentials;
using Gateway.Oversight;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Enforce;
using Gateway.Proxy.Forward;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Record;
using Gateway.Proxy.Refusals;
using Gateway.Proxy.Telemetry;
using Gateway.Store;
using Yarp.ReverseProxy.Forwarder;

namespace Gateway.Proxy.Respond;

/// <summary>
/// What the responders of the kinds that forward share once the upstream answered: the outcome's record (through
/// <see cref="AuditRecorder"/>) with the settling of what the request holds, the tokens and redactions counted in the
/// metrics, and the refusal a forwarding failure is.
/// </summary>
internal sealed partial class OutcomeRecorder(AuditRecorder audit, ReservationSettler settler, GatewayMetrics metrics, ILogger<OutcomeRecorder> logger)
{
    /// <summary>An upstream that could not be reached or failed mid-request.</summary>
    public static readonly Refusal UpstreamFailed = new(StatusCodes.Status502BadGateway, ProblemCodes.UpstreamUnavailable, "The upstream could not be reached or failed mid-request.");

    /// <summary>No healthy destination: retry in 5 s (a passively failed destination is back within 10 s, an actively probed one at its next probe).</summary>
    private static readonly TimeSpan NoHealthyDestinationRetryAfter = TimeSpan.FromSeconds(5);

    /// <summary>The journal's writer.</summary>
    public AuditRecorder Audit => audit;

    /// <summary>
    /// The outcome of the forwarded request, counted, and recorded right after the response
    /// (<see cref="AuditRecorder.RecordOutcomeAsync"/>); what the request holds starts settling now that its use is known
    /// (<see cref="ReservationSettlement"/>, which Respond awaits last), its token budget's settle in the outcome's own store
    /// call where the journal takes it (<see cref="ReservationSettler.RidingSettle"/>), which nothing waits for.
    /// </summary>
    [AsyncMethodBuilder(typeof(PoolingAsyncValueTaskMethodBuilder))]
    public async ValueTask RecordAsync(HttpContext context, GatewayRequestFeature feature, ForwardPlan plan, UpstreamResponse? response, ActionOutcome outcome)
    {
        CountUsageAndRedactions(plan, response);
        var settledWithOutcome = await audit.RecordOutcomeAsync(context, plan.Identity, feature.Get<GovernedDecision>(), outcome, settler.RidingSettle(context, feature)).ConfigureAwait(false);
        feature.Add(new ReservationSettlement(settler.Start(context, feature, budgetRidesOutcome: settledWithOutcome is not null)));
    }

    /// <summary>
    /// The outcome of a request whose answer has streamed (a provider's, a remote agent's), and what the stream showed
    /// (<paramref name="alsoRecord"/>): a record that cannot be written now is logged (the decision, recorded before anything
    /// was sent, stands), and what the stream showed is recorded even when its outcome could not be.
    /// </summary>
    public async Task RecordStreamedAsync(HttpContext context, GatewayRequestFeature feature, ForwardPlan plan, UpstreamResponse? response, ActionOutcome outcome, Func<ValueTask>? alsoRecord = null)
    {
        try
        {
            await RecordAsync(context, feature, plan, response, outcome).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditWriteException or StateStoreUnavailableException or OperationCanceledException)
        {
            LogOutcomeNotRecorded(logger, ex);
        }

        if (alsoRecord is null)
        {
            return;
        }

        try
        {
            await alsoRecord().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is AuditWriteException or StateStoreUnavailableException or OperationCanceledException)
        {
            LogOutcomeNotRecorded(logger, ex);
        }
    }

    /// <summary>
    /// The outcome of a call whose answer streamed to its caller (an MCP server's or a remote agent's events): invoked, as far
    /// as the stream came, with <paramref name="refusal"/> when it ended without its answer.
    /// </summary>
    public static ActionOutcome Streamed(GatewayRequestFeature feature, ForwardPlan plan, UpstreamResponse response, Refusal? refusal) => new()
    {
        Invoked = true,
        UpstreamStatus = response.Status,
        Redactions = plan.Redactions.ToDictionary(),
        Latency = Latency(feature),
        Refusal = refusal,
    };

    /// <summary>How long the forwarded call took (zero when nothing was forwarded).</summary>
    public static TimeSpan Latency(GatewayRequestFeature feature) =>
        feature.Find<ForwardPlan>() is { } plan ? Stopwatch.GetElapsedTime(plan.StartedTimestamp) : TimeSpan.Zero;

    /// <summary>The refusal YARP's forwarding failure is, or null when it did not fail.</summary>
    public static Refusal? ForwardingFailure(HttpContext context)
    {
        var error = context.GetForwarderErrorFeature();
        return error?.Error switch
        {
            null or ForwarderError.None => null,
            ForwarderError.RequestCreation when error.Exception is CredentialUnavailableException => new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.CredentialUnavailable,
                "The connector's credential became unavailable (revoked or unreadable); nothing was forwarded."),
            ForwarderError.RequestTimedOut => new(StatusCodes.Status504GatewayTimeout, ProblemCodes.UpstreamTimeout, "The upstream did not answer in time."),
            ForwarderError.NoAvailableDestinations => new(StatusCodes.Status503ServiceUnavailable, ProblemCodes.UpstreamUnavailable, "No healthy destination of the connector is available.")
            {
                RetryAfter = NoHealthyDestinationRetryAfter,
            },
            _ => UpstreamFailed,
        };
    }

    private void CountUsageAndRedactions(ForwardPlan plan, UpstreamResponse? response)
    {
        if ((plan.Usage?.Usage ?? response?.Result?.Usage) is { } usage)
        {
            var model = plan.RequestedModel is { } requested ? metrics.ModelTags.For(plan.Identity.Tenant, requested) : plan.Entry.Name;
            metrics.Tokens.Add(usage.InputTokens, new("model", model), new("tenant", plan.Identity.Tenant), new("direction", "input"));
            metrics.Tokens.Add(usage.OutputTokens, new("model", model), new("tenant", plan.Identity.Tenant), new("direction", "output"));
        }

        // Each kind's count as it stands, without the sorted dictionary the records are given.
        metrics.CountRedactions(plan.Redactions);
    }

    [LoggerMessage(EventId = 3303, Level = LogLevel.Error, Message = "The outcome of a streamed request (a provider's, a remote agent's) could not be recorded")]
    private static partial void LogOutcomeNotRecorded(ILogger logger, Exception exception);
}
