using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Oversight.Tokens;
using Gateway.Policy;
using Gateway.Store;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Gateway.Admin.Http;

/// <summary>
/// <c>POST /v1/decision-tokens/verify</c>: an executor (a token with role <c>executor</c>, never an agent's
/// credential) asks whether the decision token it was handed is live. Answered 200 with live, revoked, expired or
/// invalid; a store outage is 503 <c>store_unavailable</c>, never live. A token confined to a tenant verifies only
/// that tenant's tokens. With <c>"consume": true</c> (an extension) a live token is used up by this call: it answers
/// live (<c>"consumed": true</c>) to one consuming call only, on any replica, and <c>revoked</c>, <c>used</c> from then on.
/// </summary>
internal static class DecisionTokenEndpoints
{
    /// <summary>The verification route.</summary>
    public const string VerifyPath = "/v1/decision-tokens/verify";

    /// <summary>Maps the verification route behind the admin bearer-token filter (role <c>executor</c>).</summary>
    public static RouteHandlerBuilder Map(IEndpointRouteBuilder app) =>
        app.MapPost(VerifyPath, VerifyAsync)
            .AddEndpointFilter(AdminAuthFilter.Instance)
            .WithMetadata(new AdminRolesMetadata(AdminRoles.Executor));

    private static async Task<IResult> VerifyAsync(HttpContext context, DecisionTokenVerifier verifier, OversightMetrics metrics)
    {
        var (body, error) = await AdminBody.ReadAsync(context, AdminJsonContext.Default.VerifyDecisionTokenRequest);
        if (error is not null)
        {
            return error;
        }

        if (string.IsNullOrEmpty(body!.Token))
        {
            return AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidBody, "The body must name the token: {\"token\": \"v1....\"}");
        }

        // A consuming call checks and uses the token up in one store step, and only once the tenant check passed: an
        // executor of another tenant never uses a token up.
        var consume = body.Consume == true;
        var principal = AdminAuthFilter.Principal(context);
        DecisionTokenStatus status;
        try
        {
            status = consume
                ? await verifier.ConsumeAsync(body.Token, claims => principal.MayActIn(claims.Tenant), context.RequestAborted)
                : await verifier.VerifyAsync(body.Token, context.RequestAborted);
        }
        catch (StateStoreUnavailableException ex)
        {
            AdminLog.TokenVerificationUnavailable(context.RequestServices.GetRequiredService<ILogger<DecisionTokenVerifier>>(), ex);
            metrics.TokenVerified(tenant: null, "unavailable");
            throw;
        }

        if (status.Payload is { } claims && !principal.MayActIn(claims.Tenant))
        {
            return AdminProblem.Create(context, StatusCodes.Status403Forbidden, ProblemCodes.TenantForbidden, "Your token is confined to another tenant");
        }

        metrics.TokenVerified(status.Payload?.Tenant, status.Status);
        context.Response.Headers.CacheControl = "no-store";
        var payload = status.Payload;
        return Results.Json(
            new VerifyDecisionTokenResponse
            {
                Status = status.Status,
                Reason = status.Reason,
                Tenant = payload?.Tenant,
                Agent = payload?.Agent,
                Tool = payload?.Tool,
                IntentDigest = payload?.IntentDigest,
                Decision = payload is null ? null : WireNames.Of(payload.Decision),
                DegradeMode = payload?.DegradeMode is { } mode ? WireNames.Of(mode) : null,
                TokenId = payload?.TokenId,
                IssuedAt = payload?.IssuedAt,
                ExpiresAt = payload?.ExpiresAt,
                RequestId = payload?.RequestId,
                ApprovalId = payload?.ApprovalId,
                Evaluation = payload?.Evaluation,
                ActorChain = payload?.ActorChain,
                Consumed = consume ? status.IsLive : null,
            },
            AdminJsonContext.Default.VerifyDecisionTokenResponse);
    }
}
