using Gateway.Admin.Http;
using Gateway.Admin.Tokens;
using Gateway.Proxy.People.Links;

namespace Gateway.Proxy.Console;

/// <summary>
/// <c>GET /admin/v1/tenants/{tenant}/connections</c> lists the upstream accounts the tenant's people linked to its
/// <c>per_person</c> connectors (person, connector, upstream account subject, linked at; never a token), only one person's
/// with <c>?person=</c>; <c>DELETE …/connections/{person}/{connector}</c> revokes one, effective on the next call on every
/// replica (role <c>admin</c>; written to the tenant's audit chain). <c>{person}</c> is the provider's <c>sub</c>.
/// </summary>
internal static class ConsoleConnectionAdminEndpoints
{
    public static RouteGroupBuilder MapConnectionAdmin(this RouteGroupBuilder admin)
    {
        var connections = admin.MapGroup("/tenants/{tenant}/connections").WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
        connections.MapGet(string.Empty, ListAsync);
        connections.MapDelete("/{person}/{connector}", RevokeAsync);
        return admin;
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant, LinkedAccounts links)
    {
        string? person = null;
        if (context.Request.Query.TryGetValue("person", out var given))
        {
            if (given is not [{ Length: > 0 and <= 255 } one])
            {
                return Invalid("invalid_subject", "person must be given once, 1..255 characters");
            }

            person = one;
        }

        var listed = await links.ListAsync(tenant, person, context.RequestAborted);
        return Results.Json(
            new ConnectionList(tenant, [.. listed.Select(static l => new ConnectionView(l.PersonSubject, l.PersonIssuer, l.Connector, l.UpstreamSubject, l.LinkedAt))]),
            ConsoleJsonContext.Default.ConnectionList);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string tenant, string person, string connector, LinkedAccounts links)
    {
        if (person.Length is 0 or > 255)
        {
            return Invalid("invalid_subject", "person must be 1..255 characters");
        }

        if (connector.Length is 0 or > 255)
        {
            return Invalid("invalid_connector", "connector must be 1..255 characters");
        }

        if (await links.RevokeAsync(tenant, person, connector, context.RequestAborted) == 0)
        {
            return Results.Problem(statusCode: StatusCodes.Status404NotFound, title: "This person has no linked account for this connector",
                extensions: new Dictionary<string, object?> { ["code"] = "connection_not_found" });
        }

        await ConsoleAudit.RecordAdminAsync(context, tenant, "connection.revoke", person, StatusCodes.Status204NoContent, reason: "revoked the link to connector " + connector);
        return Results.NoContent();
    }

    private static IResult Invalid(string code, string title) =>
        Results.Problem(statusCode: StatusCodes.Status400BadRequest, title: title, extensions: new Dictionary<string, object?> { ["code"] = code });
}

/// <summary>The answer of <c>GET /admin/v1/tenants/{tenant}/connections</c>.</summary>
internal sealed record ConnectionList(string Tenant, IReadOnlyList<ConnectionView> Connections);

/// <summary>One linked upstream account as the admin API shows it: whose, for which connector, as whom upstream, since when; never a token.</summary>
internal sealed record ConnectionView(string Person, string PersonIssuer, string Connector, string? UpstreamAccount, DateTimeOffset LinkedAt);
