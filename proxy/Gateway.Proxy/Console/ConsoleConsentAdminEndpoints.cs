using Gateway.Authorization.Interactive;
using Gateway.Proxy.People;
using Gateway.Admin.Tokens;
using Gateway.Admin.Http;

namespace Gateway.Proxy.Console;

/// <summary>
/// <c>GET /admin/v1/tenants/{tenant}/console-users/{subject}/consents</c> lists the interactive clients a person allowed
/// to act for them; <c>DELETE …/consents?client_id=…</c> revokes one: the consent and every token it gave end at once
/// (role <c>admin</c>; written to the tenant's audit chain). <c>{subject}</c> is the provider's <c>sub</c>, taken at
/// every issuer at which it consented.
/// </summary>
internal static class ConsoleConsentAdminEndpoints
{
    public static RouteGroupBuilder MapConsentAdmin(this RouteGroupBuilder admin)
    {
        var consents = admin.MapGroup("/tenants/{tenant}/console-users/{subject}/consents").WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
        consents.MapGet(string.Empty, static async (HttpContext c, string tenant, string subject, InteractiveGrants grants) =>
            subject.Length is 0 or > 255
                ? InvalidSubject()
                : Results.Json(new ConsoleConsentList(tenant, subject, await grants.ListSubjectConsentsAsync(tenant, subject, c.RequestAborted)), ConsoleJsonContext.Default.ConsoleConsentList));
        consents.MapDelete(string.Empty, RevokeAsync);
        return admin;
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string tenant, string subject, InteractiveGrants grants, KeptProviderTokens kept)
    {
        if (subject.Length is 0 or > 255)
        {
            return InvalidSubject();
        }

        if (context.Request.Query["client_id"] is not [{ Length: > 0 and <= 255 } clientId])
        {
            return Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "client_id (1..255 characters) is required once", extensions: new Dictionary<string, object?> { ["code"] = "invalid_client_id" });
        }

        if (!await grants.RevokeSubjectConsentAsync(tenant, subject, clientId, context.RequestAborted))
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "This person has no consent for this client", extensions: new Dictionary<string, object?> { ["code"] = "consent_not_found" });
        }

        await kept.ForgetAsync(tenant, subject, context.RequestAborted);
        await ConsoleAudit.RecordAdminAsync(context, tenant, "consent.revoke", subject, StatusCodes.Status204NoContent);
        return Results.NoContent();
    }

    private static IResult InvalidSubject() =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: "subject must be 1..255 characters", extensions: new Dictionary<string, object?> { ["code"] = "invalid_subject" });
}

/// <summary>A person's consents to interactive clients, as the admin API lists them.</summary>
internal sealed record ConsoleConsentList(string Tenant, string Subject, IReadOnlyList<PersonConsent> Consents);
