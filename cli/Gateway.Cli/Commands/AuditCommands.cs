using System.CommandLine;
using System.Globalization;
using System.Text.Json;

namespace Gateway.Cli.Commands;

/// <summary><c>audit verify|list|query</c>.</summary>
internal static class AuditCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("audit", "The tenant's hash-chained audit journal");

        var tenant = GlobalOptions.Tenant();
        var verify = new Command("verify", "Walk every chain of the tenant (one per replica); exit 4 and name the first broken link when tampered") { tenant };
        verify.SetAction((parse, ct) => runtime.CallAsync(parse, HttpMethod.Get, $"tenants/{CliRuntime.Segment(parse.GetValue(tenant)!)}/audit/verify", null, PrintVerify, ct));
        command.Subcommands.Add(verify);

        var listTenant = GlobalOptions.Tenant();
        var start = new Option<long>("--start") { Description = "Zero-based position of the first record", DefaultValueFactory = _ => 0 };
        var limit = new Option<int>("--limit") { Description = "How many records (1-1000)", DefaultValueFactory = _ => 100 };
        var replica = new Option<string?>("--replica") { Description = "The replica whose chain to print (default: the answering replica's)" };
        var list = new Command("list", "Print records of one chain") { listTenant, start, limit, replica };
        list.SetAction((parse, ct) => runtime.CallAsync(
            parse,
            HttpMethod.Get,
            string.Create(CultureInfo.InvariantCulture, $"tenants/{CliRuntime.Segment(parse.GetValue(listTenant)!)}/audit?start={parse.GetValue(start)}&limit={parse.GetValue(limit)}")
                + (parse.GetValue(replica) is { } r ? "&replica=" + Uri.EscapeDataString(r) : string.Empty),
            null,
            PrintRecords,
            ct));
        command.Subcommands.Add(list);

        var queryTenant = GlobalOptions.Tenant();
        var from = new Option<string?>("--from") { Description = "Records at or after this ISO 8601 time" };
        var to = new Option<string?>("--to") { Description = "Records before this ISO 8601 time" };
        var agent = new Option<string?>("--agent") { Description = "Only this agent" };
        var decision = new Option<string?>("--decision") { Description = "Only this decision (allow, block, refused:audit_unavailable, ...)" };
        var tool = new Option<string?>("--tool") { Description = "Only this tool" };
        var queryLimit = new Option<int>("--limit") { Description = "How many records (1-1000)", DefaultValueFactory = _ => 100 };
        var cursor = new Option<string?>("--cursor") { Description = "The next_cursor of the previous page" };
        var query = new Command("query", "Search every chain of the tenant by time, agent, decision and tool, oldest first; prints the next page's cursor")
        {
            queryTenant, from, to, agent, decision, tool, queryLimit, cursor,
        };
        query.SetAction((parse, ct) =>
        {
            var parameters = new List<string> { string.Create(CultureInfo.InvariantCulture, $"limit={parse.GetValue(queryLimit)}") };
            foreach (var (name, option) in new[] { ("from", from), ("to", to), ("agent", agent), ("decision", decision), ("tool", tool), ("cursor", cursor) })
            {
                if (parse.GetValue(option) is { } value)
                {
                    parameters.Add(name + "=" + Uri.EscapeDataString(value));
                }
            }

            return runtime.CallAsync(parse, HttpMethod.Get, $"tenants/{CliRuntime.Segment(parse.GetValue(queryTenant)!)}/audit/query?{string.Join('&', parameters)}", null, PrintQuery, ct);
        });
        command.Subcommands.Add(query);
        return command;
    }

    private static int? PrintVerify(JsonElement body, TextWriter? output)
    {
        var tenant = Json.Str(body, "tenant");
        if (body.TryGetProperty("partitions", out var partitions) && partitions.ValueKind == JsonValueKind.Array)
        {
            foreach (var chain in partitions.EnumerateArray())
            {
                output?.WriteLine(Json.Bool(chain, "intact")
                    ? $"  replica {Json.Str(chain, "replica")}: intact, {Json.Str(chain, "records")} records, tip {Json.Str(chain, "tip_hash")}"
                    : $"  replica {Json.Str(chain, "replica")}: BROKEN at index {Json.Str(chain, "broken_at_index")}: {Json.Str(chain, "reason")}");
            }
        }

        if (Json.Bool(body, "intact"))
        {
            output?.WriteLine($"Audit chain of tenant {tenant} intact: {Json.Str(body, "records")} records, tip {Json.Str(body, "tip_hash")}");
            return null;
        }

        output?.WriteLine($"Audit chain of tenant {tenant} BROKEN in replica {Json.Str(body, "replica")} at index {Json.Str(body, "broken_at_index")}: {Json.Str(body, "reason")} ({Json.Str(body, "detail")})");
        return ExitCodes.ChainBroken;
    }

    private static int? PrintQuery(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        foreach (var r in Json.Array(body, "records"))
        {
            output.WriteLine($"{Json.Str(r, "time")} {Json.Str(r, "replica")}#{Json.Str(r, "seq")} {Json.Str(r, "agent")} {Json.Str(r, "tool")} {Json.Str(r, "decision")} {Json.Str(r, "status_code")}");
        }

        if (body.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String)
        {
            output.WriteLine("next page: --cursor " + next.GetString());
        }

        return null;
    }

    private static int? PrintRecords(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        foreach (var r in Json.Array(body, "records"))
        {
            output.WriteLine($"{Json.Str(r, "seq"),6} {Json.Str(r, "time")} {Json.Str(r, "agent")} {Json.Str(r, "tool")} {Json.Str(r, "decision")} {Json.Str(r, "status_code")} {Json.Str(r, "actor")}");
        }

        return null;
    }
}
