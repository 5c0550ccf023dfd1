using System.CommandLine;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary><c>credentials put|rotate|revoke|list|reencrypt</c>; values come from stdin or <c>--from-file</c> only, and a name shaped like one is refused (<see cref="CredentialNames"/>).</summary>
internal static class CredentialsCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("credentials", "Tool and provider credentials held by the gateway's vault");
        command.Subcommands.Add(WithValue(runtime, "put", "Store a credential (value on stdin or --from-file)", HttpMethod.Put, string.Empty));
        command.Subcommands.Add(WithValue(runtime, "rotate", "Replace a credential's value with a new version (stdin or --from-file)", HttpMethod.Post, "/rotate"));

        var revokeTenant = GlobalOptions.Tenant();
        var revokeName = new Argument<string>("name") { Description = "Credential name" };
        var revoke = new Command("revoke", "Revoke a credential") { revokeName, revokeTenant };
        revoke.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            HttpMethod.Delete,
            $"tenants/{CliRuntime.Segment(parse.GetValue(revokeTenant)!)}/credentials/{CliRuntime.Segment(parse.GetValue(revokeName)!)}",
            null,
            (_, output) =>
            {
                output?.WriteLine($"Credential {parse.GetValue(revokeName)} revoked.");
                return null;
            },
            ct));
        command.Subcommands.Add(revoke);

        var listTenant = GlobalOptions.Tenant();
        var list = new Command("list", "List credentials (names and versions, never values)") { listTenant };
        list.SetAction((parse, ct) => runtime.CallAsync(parse, HttpMethod.Get, $"tenants/{CliRuntime.Segment(parse.GetValue(listTenant)!)}/credentials", null, PrintList, ct));
        command.Subcommands.Add(list);

        var reencryptTenant = GlobalOptions.Tenant();
        var reencrypt = new Command("reencrypt", "Seal again under the active data key every sealed record of the tenant (credentials, linked accounts, delegation secrets) under a retired one, after a data-key rotation") { reencryptTenant };
        reencrypt.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            HttpMethod.Post,
            $"tenants/{CliRuntime.Segment(parse.GetValue(reencryptTenant)!)}/credentials/reencrypt",
            null,
            (body, output) => PrintReencrypted(parse.GetValue(reencryptTenant)!, body, output),
            ct));
        command.Subcommands.Add(reencrypt);
        return command;
    }

    // Totals, each kind, and the retired keys some record of this one tenant still names. A retired key may be removed once
    // no record of any tenant names it and the kept provider tokens sealed under it have expired (docs/operations.md).
    private static int? PrintReencrypted(string tenant, JsonElement body, TextWriter? output)
    {
        output?.WriteLine($"Sealed records re-encrypted under the active key: {Count(body, "reencrypted")} (already current: {Count(body, "already_current")}, "
            + $"unreadable: {Count(body, "unreadable")}, changed meanwhile: {Count(body, "changed")}).");
        if (body.TryGetProperty("kinds", out var kinds) && kinds.ValueKind == JsonValueKind.Array)
        {
            foreach (var kind in kinds.EnumerateArray())
            {
                output?.WriteLine($"  {kind.GetProperty("kind").GetString()}: re-encrypted {Count(kind, "reencrypted")}, already current {Count(kind, "already_current")}, "
                    + $"unreadable {Count(kind, "unreadable")}, changed {Count(kind, "changed")}");
            }
        }

        var retired = body.TryGetProperty("retired_keys_in_use", out var keys) && keys.ValueKind == JsonValueKind.Array
            ? [.. keys.EnumerateArray().Select(static k => k.GetString())]
            : new List<string?>();
        output?.WriteLine(retired.Count == 0
            ? $"No record of tenant {tenant} is sealed under a retired key. Before removing a key from DATA_ENCRYPTION_KEYS_RETIRED, run this for every tenant "
                + "(each answers for its own records only), and wait until the people's kept provider tokens sealed under it have expired "
                + "(Gateway:Person:ProviderRefreshTokenLifetime, 12 hours by default; docs/operations.md, \"Rotating the data-encryption key\")."
            : $"Retired keys still in use by tenant {tenant} (keep them): {string.Join(", ", retired)}.");
        return null;
    }

    private static int Count(JsonElement body, string name) => body.TryGetProperty(name, out var value) && value.TryGetInt32(out var count) ? count : 0;

    private static Command WithValue(CliRuntime runtime, string name, string description, HttpMethod method, string suffix)
    {
        var tenant = GlobalOptions.Tenant();
        var credential = new Argument<string>("name") { Description = "Credential name" };
        var fromFile = new Option<FileInfo?>("--from-file") { Description = "Read the value from this file instead of standard input" };
        var command = new Command(name, description) { credential, tenant, fromFile };
        command.SetAction(async (parse, ct) =>
        {
            // A value given where the name goes is refused, unquoted, before the value is read or anything is sent.
            if (CredentialNames.Refusal(parse.GetValue(credential)!) is { } refused)
            {
                await runtime.Console.Error.WriteLineAsync("error: invalid_input: " + refused);
                return ExitCodes.InvalidInput;
            }

            var (value, error) = await SecretInput.ReadAsync(runtime.Console, parse.GetValue(fromFile), ct);
            if (error is not null)
            {
                await runtime.Console.Error.WriteLineAsync("error: invalid_input: " + error);
                return ExitCodes.InvalidInput;
            }

            return await runtime.CallAsync(
                parse,
                method,
                $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/credentials/{CliRuntime.Segment(parse.GetValue(credential)!)}{suffix}",
                CliRuntime.JsonObject(("value", value)),
                (body, output) =>
                {
                    output?.WriteLine($"Credential {Json.Str(body, "name")} stored (version {Json.Str(body, "version")}).");
                    return null;
                },
                ct);
        });
        return command;
    }

    private static int? PrintList(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        var credentials = Json.Array(body, "credentials").ToList();
        if (credentials.Count == 0)
        {
            output.WriteLine("No credentials.");
            return null;
        }

        output.WriteLine($"{"NAME",-32} {"VERSION",-8} {"REVOKED",-8} UPDATED");
        foreach (var c in credentials)
        {
            output.WriteLine($"{Json.Str(c, "name"),-32} {Json.Str(c, "version"),-8} {Json.YesNo(Json.Bool(c, "revoked")),-8} {Json.Str(c, "updated_at")}");
        }

        return null;
    }
}
