using Gateway.Audit;
using Gateway.Admin.Tokens;
using Gateway.Oversight;
using Gateway.Oversight.Credentials;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using CredentialWriteConflictException = Gateway.Connectors.Vault.CredentialWriteConflictException;

namespace Gateway.Admin.Http;

/// <summary>
/// <c>/admin/v1/tenants/{tenant}/credentials</c> over the host's <see cref="ICredentialAdmin"/>:
/// list (no values), put, rotate, revoke, and re-encrypt after a data-key rotation (role <c>admin</c>). 501 when the host
/// registered none; 409 <c>credential_write_conflict</c> when a put, rotation or revocation kept losing to other writes.
/// </summary>
internal static class CredentialEndpoints
{
    public static void Map(RouteGroupBuilder admin)
    {
        var group = admin.MapGroup("/tenants/{tenant}/credentials").WithMetadata(new AdminRolesMetadata(AdminRoles.Admin));
        group.MapGet("/", ListAsync);
        group.MapPut("/{name}", PutAsync);
        group.MapPost("/{name}/rotate", RotateAsync);
        group.MapDelete("/{name}", RevokeAsync);
        group.MapPost("/reencrypt", ReencryptAsync);
    }

    private static async Task<IResult> ReencryptAsync(HttpContext context, string tenant)
    {
        if (Vault(context) is not { } vault)
        {
            return NotConfigured(context);
        }

        var done = await vault.ReencryptAsync(tenant, context.RequestAborted);
        await AdminActionAudit.RecordAsync(context, tenant, "credential.reencrypt", subject: null);
        return Results.Json(new CredentialsReencryptedResponse(done.Reencrypted, done.AlreadyCurrent, done.Unreadable, done.Changed, done.RetiredKeysInUse, done.Kinds),
            AdminJsonContext.Default.CredentialsReencryptedResponse);
    }

    private static async Task<IResult> ListAsync(HttpContext context, string tenant)
    {
        if (Vault(context) is not { } vault)
        {
            return NotConfigured(context);
        }

        var list = await vault.ListAsync(tenant, context.RequestAborted);
        return Results.Json(new CredentialListResponse(list), AdminJsonContext.Default.CredentialListResponse);
    }

    private static async Task<IResult> PutAsync(HttpContext context, string tenant, string name)
    {
        var (vault, value, error) = await PrepareAsync(context, name, readValue: true);
        if (error is not null)
        {
            return error;
        }

        CredentialInfo info;
        try
        {
            info = await vault!.PutAsync(tenant, name, value!, context.RequestAborted);
        }
        catch (CredentialWriteConflictException)
        {
            return WriteConflict(context);
        }

        await AdminActionAudit.RecordAsync(context, tenant, "credential.put", subject: name);
        return Results.Json(info, AdminJsonContext.Default.CredentialInfo);
    }

    private static async Task<IResult> RotateAsync(HttpContext context, string tenant, string name)
    {
        var (vault, value, error) = await PrepareAsync(context, name, readValue: true);
        if (error is not null)
        {
            return error;
        }

        CredentialInfo? info;
        try
        {
            info = await vault!.RotateAsync(tenant, name, value!, context.RequestAborted);
        }
        catch (CredentialWriteConflictException)
        {
            return WriteConflict(context);
        }

        if (info is null)
        {
            return AdminProblem.Create(context, StatusCodes.Status404NotFound, ProblemCodes.CredentialNotFound, "No such credential");
        }

        await AdminActionAudit.RecordAsync(context, tenant, "credential.rotate", subject: name);
        return Results.Json(info, AdminJsonContext.Default.CredentialInfo);
    }

    private static async Task<IResult> RevokeAsync(HttpContext context, string tenant, string name)
    {
        var (vault, _, error) = await PrepareAsync(context, name, readValue: false);
        if (error is not null)
        {
            return error;
        }

        bool revoked;
        try
        {
            revoked = await vault!.RevokeAsync(tenant, name, context.RequestAborted);
        }
        catch (CredentialWriteConflictException)
        {
            return WriteConflict(context);
        }

        if (!revoked)
        {
            return AdminProblem.Create(context, StatusCodes.Status404NotFound, ProblemCodes.CredentialNotFound, "No such credential");
        }

        await AdminActionAudit.RecordAsync(context, tenant, "credential.revoke", subject: name);
        return Results.NoContent();
    }

    private static async ValueTask<(ICredentialAdmin? Vault, string? Value, IResult? Error)> PrepareAsync(HttpContext context, string name, bool readValue)
    {
        if (Vault(context) is not { } vault)
        {
            return (null, null, NotConfigured(context));
        }

        if (!Identifiers.IsValidCredentialName(name))
        {
            return (null, null, AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidName, "Invalid credential name"));
        }

        if (!readValue)
        {
            return (vault, null, null);
        }

        var (body, error) = await AdminBody.ReadAsync(context, AdminJsonContext.Default.CredentialValueRequest);
        if (error is not null)
        {
            return (null, null, error);
        }

        return string.IsNullOrEmpty(body!.Value)
            ? (null, null, AdminProblem.Create(context, StatusCodes.Status400BadRequest, ProblemCodes.InvalidBody, "A non-empty value is required"))
            : (vault, body.Value, null);
    }

    private static ICredentialAdmin? Vault(HttpContext context) => context.RequestServices.GetService<ICredentialAdmin>();

    // The vault gave up after its last attempt lost to another write: nothing of this request was stored (nor audited).
    private static IResult WriteConflict(HttpContext context) =>
        AdminProblem.Create(context, StatusCodes.Status409Conflict, ProblemCodes.CredentialWriteConflict, "Credential write conflict",
            "Another write to this credential kept landing first, so this one stored nothing; read the credential again and retry.");

    private static IResult NotConfigured(HttpContext context) =>
        AdminProblem.Create(context, StatusCodes.Status501NotImplemented, ProblemCodes.CredentialsNotConfigured, "This gateway has no credential vault wired to the admin API");
}
