using Gateway.Oversight.Approvals;
using Gateway.Oversight;
using Gateway.Oversight.Incidents;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Enforce;

/// <summary>
/// Carries out what a recorded decision asks for (<see cref="DecisionEffects"/>), before anything is forwarded or
/// answered: the approval request is opened with the decision's signed receipt in the same write, the incident is opened
/// with its notification (<see cref="CarryOutAsync"/>); and, last, once every check that can still refuse the request has
/// passed, the warrant is redeemed (<see cref="RedeemWarrantAsync"/>: used once; a concurrent request may have used it
/// since Decide checked it). Each result is null when all went through, else the <see cref="Refusal"/> the request ends
/// in: the decision is already recorded, so the refusal is that decision's outcome (the Respond stage records it), never
/// a forwarded request. Every failure is a refusal (fail closed) but a warrant's redemption cancelled with its request; what
/// the decision asks to be written is not the request's to cancel: on <c>/mcp</c> the request's cancellation is the call's
/// lifetime, which the agent ends (<c>notifications/cancelled</c>), and an approval or incident its record names is opened
/// all the same.
/// </summary>
internal sealed partial class DecisionEffectWriter
{
    private readonly ApprovalService _approvals;
    private readonly IncidentService _incidents;
    private readonly ILogger<DecisionEffectWriter> _logger;

    public DecisionEffectWriter(ApprovalService approvals, IncidentService incidents, ILogger<DecisionEffectWriter> logger)
    {
        _approvals = approvals;
        _incidents = incidents;
        _logger = logger;
    }

    /// <summary>
    /// Carries out <paramref name="effects"/> but the warrant; <paramref name="receipt"/> is the recorded decision's signed
    /// receipt (null when none was signed). Null when done; the refusal otherwise. Never cancelled with its request (the
    /// stores' own timeouts bound it): the decision that names the approval or the incident is on record already.
    /// </summary>
    public async ValueTask<Refusal?> CarryOutAsync(DecisionEffects effects, string? receipt)
    {
        if (effects.OpenApproval is null && effects.OpenIncident is null)
        {
            return null;
        }

        try
        {
            if (effects.OpenApproval is { } approval)
            {
                await _approvals.OpenAsync(approval with { Receipt = receipt }, CancellationToken.None).ConfigureAwait(false);
            }

            if (effects.OpenIncident is { } incident)
            {
                await _incidents.OpenAsync(incident, CancellationToken.None).ConfigureAwait(false);
            }

            return null;
        }
        catch (ApprovalOpenLimitException ex)
        {
            // The agent holds as many approvals open as it may: none is opened, and the request is refused (no failure).
            return new Refusal(StatusCodes.Status429TooManyRequests, ProblemCodes.ApprovalsOpenLimit, ex.Message);
        }
        catch (Exception ex)
        {
            // A cancellation here is a store's own (its timeout), never the request's: a failure like any other.
            return Failed(ex);
        }
    }

    /// <summary>
    /// Redeems the warrant <paramref name="effects"/> names, if any: called only once nothing but forwarding is left, so
    /// that a refusal before it leaves the approval to be carried out on a retry. Null when redeemed (or none); the
    /// refusal otherwise (a concurrent use won it: nothing is forwarded).
    /// </summary>
    public async ValueTask<Refusal?> RedeemWarrantAsync(DecisionEffects effects, CancellationToken cancellationToken)
    {
        if (effects.RedeemWarrant is not { } warrant)
        {
            return null;
        }

        try
        {
            var redemption = await _approvals.RedeemWarrantAsync(warrant, cancellationToken).ConfigureAwait(false);
            return redemption.Redeemed
                ? null
                : new Refusal(StatusCodes.Status409Conflict, ProblemCodes.WarrantRejected,
                    $"The warrant was refused ({redemption.Reason}) when it was redeemed, after the decision was recorded; nothing was forwarded.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            return Failed(ex);
        }
    }

    private Refusal Failed(Exception ex)
    {
        LogEffectFailed(_logger, ex);
        return ex is StateStoreUnavailableException ? Refusal.StoreUnavailable() : Refusal.Internal();
    }

    [LoggerMessage(EventId = 3320, Level = LogLevel.Error, Message = "A recorded decision's effect (approval, incident or warrant) could not be carried out; the request is refused (fail closed)")]
    private static partial void LogEffectFailed(ILogger logger, Exception exception);
}
