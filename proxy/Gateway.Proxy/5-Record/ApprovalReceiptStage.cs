using Gateway.Oversight.Approvals;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Decide;
using Gateway.Proxy.Pipeline;
using Gateway.Store;

namespace Gateway.Proxy.Record;

/// <summary>
/// Right after Record: a <c>require_approval</c> decision opened its approval request while deciding, before its record
/// existed; now that the record is durable and its receipt signed (<see cref="GatewayRequestFeature.Receipt"/>), the receipt is
/// attached to that request (one small write keyed by the approval id), so that the approvers' page shows the signed
/// decision it is asked about. The record's place in its chain is not copied: the page finds it in the journal by the
/// request id the approval keeps. The refusal is already decided and recorded: a store that cannot take the receipt
/// is logged and the request goes on to its refusal (the page then says no receipt is attached).
/// </summary>
internal sealed partial class ApprovalReceiptStage
{
    private readonly RequestDelegate _next;
    private readonly ApprovalService _approvals;
    private readonly ILogger<ApprovalReceiptStage> _logger;

    public ApprovalReceiptStage(RequestDelegate next, ApprovalService approvals, ILogger<ApprovalReceiptStage> logger)
    {
        _next = next;
        _approvals = approvals;
        _logger = logger;
    }

    public async Task InvokeAsync(HttpContext context)
    {
        var feature = context.GatewayRequest();
        if (feature.Find<GovernedDecision>()?.Approval is { } approval && feature.Receipt is { } receipt
            && feature.Find<Admission>()?.Identity is { } identity)
        {
            try
            {
                await _approvals.AttachReceiptAsync(identity.Tenant, approval.Id, receipt, context.RequestAborted).ConfigureAwait(false);
            }
            catch (StateStoreUnavailableException ex)
            {
                LogReceiptNotAttached(_logger, ex, approval.Id);
            }
        }

        await _next(context).ConfigureAwait(false);
    }

    [LoggerMessage(EventId = 3051, Level = LogLevel.Warning, Message = "The receipt of the decision that opened approval {ApprovalId} could not be attached (store unavailable)")]
    private static partial void LogReceiptNotAttached(ILogger logger, Exception exception, string approvalId);
}
