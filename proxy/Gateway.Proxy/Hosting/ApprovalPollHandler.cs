using Gateway.Oversight.Approvals;
using Gateway.Oversight.Http;
using Gateway.Oversight;
using Gateway.Proxy.Admit;
using Gateway.Proxy.Authenticate;
using Gateway.Proxy.Pipeline;
using Gateway.Proxy.Refusals;
using Gateway.Store;

namespace Gateway.Proxy.Hosting;

/// <summary>
/// <c>GET /v1/approvals/{id}</c>: the requesting agent polls its approval request; once approved, the
/// response carries the single-use warrant. Another agent (or tenant) sees 404, not someone else's request.
/// </summary>
internal sealed class ApprovalPollHandler
{
    private readonly ApprovalService _approvals;
    private readonly AdmissionGate _admission;

    public ApprovalPollHandler(ApprovalService approvals, AdmissionGate admission)
    {
        _approvals = approvals;
        _admission = admission;
    }

    public async Task HandleAsync(HttpContext context, string id)
    {
        var identity = context.GatewayRequest().Get<AuthenticatedRequest>().Identity;
        ApprovalPollResult? poll;
        try
        {
            if (await _admission.AdmitAsync(null, identity, null, context.RequestAborted).ConfigureAwait(false) is { Verdict: not AdmissionVerdict.Admitted } refused)
            {
                await RefusalResponse.WriteAsync(context, AdmissionRefusal.For(refused, tool: null)).ConfigureAwait(false);
                return;
            }

            poll = await _approvals.PollAsync(identity.Tenant, identity.Agent, id, context.RequestAborted).ConfigureAwait(false);
        }
        catch (StateStoreUnavailableException)
        {
            await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status503ServiceUnavailable, ProblemCodes.StoreUnavailable, "The state store cannot be reached.")).ConfigureAwait(false);
            return;
        }
        catch (ArgumentException)
        {
            poll = null;
        }

        if (poll is null)
        {
            await RefusalResponse.WriteAsync(context, new Refusal(StatusCodes.Status404NotFound, ProblemCodes.NotFound, "No such approval request for this agent.")).ConfigureAwait(false);
            return;
        }

        context.Response.Headers.CacheControl = "no-store";
        await Results.Json(poll, OversightJson.ApprovalPollResult, statusCode: StatusCodes.Status200OK).ExecuteAsync(context).ConfigureAwait(false);
    }
}
