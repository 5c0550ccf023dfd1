using System.CommandLine;
using System.Text.Json.Nodes;
using Gateway.Policy;

namespace Gateway.Cli.Commands;

/// <summary><c>policy validate &lt;bundle&gt;</c>: every error with file:line:col; exit 6 when any.</summary>
internal static class PolicyValidateCommand
{
    public static Command Build(GlobalOptions options, CliConsole console)
    {
        var bundle = new Argument<string>("bundle") { Description = "A bundle directory (one YAML file per tenant) or one tenant file" };
        var envPerTenant = new Option<bool>("--env-per-tenant")
        {
            Description = "Also apply Gateway:Credentials:EnvironmentPerTenant (on in the Helm chart): a tenant's env: references must begin <TENANT>__",
        };
        var command = new Command("validate", """
            Validate a bundle strictly (schema docs/schema/bundle.schema.json): every error with file:line:col.
            Exit 0 valid, 6 invalid.
            Examples:
              gatewayctl policy validate examples/bundle
              gatewayctl policy validate examples/bundle/demo.yaml --json
              gatewayctl policy validate examples/chart --env-per-tenant   # as the Helm chart's gateway loads it
            """) { bundle, envPerTenant };
        command.SetAction(parse =>
        {
            var context = new PolicyCommandContext(options, console, parse);
            var set = context.LoadOrReport(parse.GetValue(bundle)!, out var exit);
            if (set is null)
            {
                return exit;
            }

            if (parse.GetValue(envPerTenant) && TenantSecretReferences.EnvironmentConfinementErrors(set) is { Count: > 0 } confined)
            {
                return context.ReportInvalid(confined);
            }

            var tenants = new JsonArray();
            foreach (var tenant in set.Tenants.Values.OrderBy(t => t.Slug, StringComparer.Ordinal))
            {
                tenants.Add(new JsonObject { ["tenant"] = tenant.Slug, ["policy_digest"] = tenant.Digest, ["agents"] = tenant.Register.Agents.Count, ["rules"] = tenant.Register.Rules.Count });
                context.Line($"ok  {tenant.Slug}  digest {tenant.Digest}  ({tenant.Register.Agents.Count} agents, {tenant.Catalog.Count} tools, {tenant.Register.Rules.Count} rules)");
            }

            context.Document(new JsonObject { ["ok"] = true, ["tenants"] = tenants, ["errors"] = new JsonArray() });
            return ExitCodes.Success;
        });
        return command;
    }
}
