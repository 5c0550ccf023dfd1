using System.CommandLine;

namespace Gateway.Cli.Commands;

/// <summary><c>tokens issue --name --role [--tenant --person]</c>, <c>tokens list</c> and <c>tokens revoke &lt;name&gt; [--tenant --keep-minted]</c> (names are per tenant).</summary>
internal static class TokensCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("tokens", "Admin API tokens");

        var name = new Option<string>("--name") { Description = "The token's name, unique in its tenant (names are per tenant)", Required = true };
        var tenant = new Option<string?>("--tenant") { Description = "The one tenant the token may act in (required for approvers; for an executor, the one tenant whose decision tokens it may verify; omit for an operator token)" };
        var person = new Option<string?>("--person") { Description = "The person of the tenant's register the token speaks for (required for approvers)" };
        var roles = new Option<string[]>("--role")
        {
            Description = "approver, admin, auditor or executor (repeat for several)",
            Required = true,
            AllowMultipleArgumentsPerToken = false,
        };
        roles.AcceptOnlyFromAmong("approver", "admin", "auditor", "executor");
        var issue = new Command("issue", "Issue a token; it is printed once and never again") { name, roles, tenant, person };
        issue.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            HttpMethod.Post,
            "tokens",
            CliRuntime.JsonObject(("name", parse.GetValue(name)), ("roles", parse.GetValue(roles)), ("tenant", parse.GetValue(tenant)), ("person", parse.GetValue(person))),
            (body, output) =>
            {
                output?.WriteLine($"Token for {Json.Str(body, "name")} (roles {Json.List(body, "roles")}):");
                output?.WriteLine(Json.Str(body, "token"));
                output?.WriteLine("Store it now: it is not shown again and the gateway keeps only its hash.");
                return null;
            },
            ct));
        command.Subcommands.Add(issue);

        var revokeName = new Argument<string>("name") { Description = "The token's name" };
        var revokeTenant = new Option<string?>("--tenant") { Description = "The tenant whose token it is (names are per tenant; omit for an operator token, or with a token confined to a tenant)" };
        var keepMinted = new Option<bool>("--keep-minted") { Description = "Revoke this token only, not the tokens it minted (by default those are revoked with it, transitively)" };
        var revoke = new Command("revoke", "Revoke a token at once, and the tokens it minted") { revokeName, revokeTenant, keepMinted };
        revoke.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            HttpMethod.Delete,
            "tokens/" + CliRuntime.Segment(parse.GetValue(revokeName)!)
                + (parse.GetValue(revokeTenant) is { } scope ? "?tenant=" + Uri.EscapeDataString(scope) + "&" : "?")
                + (parse.GetValue(keepMinted) ? "cascade=false" : "cascade=true"),
            null,
            (body, output) =>
            {
                output?.WriteLine($"Token {parse.GetValue(revokeName)} revoked.");
                foreach (var minted in Json.Array(body, "also_revoked"))
                {
                    output?.WriteLine($"Also revoked (minted by it): {minted.GetString()}");
                }

                return null;
            },
            ct));
        command.Subcommands.Add(revoke);
        command.Subcommands.Add(List(runtime));
        return command;
    }

    /// <summary><c>tokens list</c>: <c>GET /admin/v1/tokens</c>, names and roles only (the gateway keeps no token, only its hash).</summary>
    private static Command List(CliRuntime runtime)
    {
        var list = new Command("list", "List admin tokens: name, roles, created, revoked");
        list.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            HttpMethod.Get,
            "tokens",
            null,
            (body, output) =>
            {
                foreach (var token in Json.Array(body, "tokens"))
                {
                    output?.WriteLine($"{Json.Str(token, "name")}\ttenant={Json.Str(token, "tenant")}\troles={Json.List(token, "roles")}\tminted_by={Json.Str(token, "minted_by")}\tcreated={Json.Str(token, "created_at")}\trevoked={Json.YesNo(Json.Bool(token, "revoked"))}");
                }

                return null;
            },
            ct));
        return list;
    }
}
