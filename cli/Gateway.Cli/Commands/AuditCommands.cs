using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gateway.Store;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>audit verify|export|list|query|retire-partition</c>; the text output shows what an export file or the gateway's answer
/// supplies (tenant, replica, agent, tool, request ids, reasons) escaped (<see cref="TerminalText"/>).
/// </summary>
internal static class AuditCommands
{
    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("audit", "The tenant's hash-chained audit journal");

        var tenant = new Option<string?>("--tenant") { Description = "Tenant slug (verify through the gateway)" };
        var file = new Option<string?>("--file") { Description = "An export (JSON Lines) to verify offline, without a gateway" };
        var allowEmpty = new Option<bool>("--allow-empty") { Description = "With --file: accept an export of no records as intact (otherwise \"no records\", exit 2)" };
        var expectTenant = new Option<string?>("--expect-tenant") { Description = "With --file: the tenant you exported; an export of another is tenant_mismatch, exit 2 (anyone can seal a chain)" };
        var verify = new Command("verify", "Walk every chain of the tenant (one per replica), or of an export file offline; exit 2 and name the first broken link when tampered") { tenant, file, allowEmpty, expectTenant };
        verify.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(expectTenant) is { } expected && (parse.GetValue(file) is null || string.IsNullOrWhiteSpace(expected)))
            {
                return await UsageAsync(runtime.Console, "--expect-tenant names the tenant's slug, with --file (through the gateway, --tenant names it)");
            }

            if (parse.GetValue(file) is { } path)
            {
                return parse.GetValue(tenant) is null
                    ? await VerifyFileAsync(runtime.Console, path, (parse.GetValue(runtime.Options.Json), parse.GetValue(allowEmpty), parse.GetValue(expectTenant)), ct)
                    : await UsageAsync(runtime.Console, "pass --tenant or --file, not both");
            }

            return parse.GetValue(tenant) is { } slug
                ? await runtime.CallAsync(parse, HttpMethod.Get, $"tenants/{CliRuntime.Segment(slug)}/audit/verify", null, PrintVerify, ct)
                : await UsageAsync(runtime.Console, "pass --tenant (verify through the gateway) or --file (verify an export offline)");
        });
        command.Subcommands.Add(verify);

        var exportTenant = GlobalOptions.Tenant();
        var before = new Option<string?>("--before") { Description = "Only records before this ISO 8601 time (default: every record)" };
        var output = new Option<string>("--output", "-o") { Description = "The file to write (JSON Lines)", Required = true };
        var export = new Command("export", "Write every chain of the tenant up to --before, in chain order, to a JSON Lines file that `audit verify --file` verifies offline")
        {
            exportTenant, before, output,
        };
        export.SetAction((parse, ct) => ExportAsync(runtime, parse, parse.GetValue(exportTenant)!, parse.GetValue(before), parse.GetValue(output)!, ct));
        command.Subcommands.Add(export);

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
        var requestId = new Option<string?>("--request-id") { Description = "Only the records of this request (its own, or one that folded it with others)" };
        var runId = new Option<string?>("--run-id") { Description = "Only the records of this run (its start, events, actions, refusals, cancel)" };
        var queryLimit = new Option<int>("--limit") { Description = "How many records (1-1000)", DefaultValueFactory = _ => 100 };
        var cursor = new Option<string?>("--cursor") { Description = "The next_cursor of the previous page" };
        var query = new Command("query", "Search every chain of the tenant by time, agent, decision, tool, request id and run, oldest first; prints the next page's cursor")
        {
            queryTenant, from, to, agent, decision, tool, requestId, runId, queryLimit, cursor,
        };
        query.SetAction((parse, ct) =>
        {
            var parameters = new List<string> { string.Create(CultureInfo.InvariantCulture, $"limit={parse.GetValue(queryLimit)}") };
            foreach (var (name, option) in new[] { ("from", from), ("to", to), ("agent", agent), ("decision", decision), ("tool", tool), ("request_id", requestId), ("run_id", runId), ("cursor", cursor) })
            {
                if (parse.GetValue(option) is { } value)
                {
                    parameters.Add(name + "=" + Uri.EscapeDataString(value));
                }
            }

            return runtime.CallAsync(parse, HttpMethod.Get, $"tenants/{CliRuntime.Segment(parse.GetValue(queryTenant)!)}/audit/query?{string.Join('&', parameters)}", null, PrintQuery, ct);
        });
        command.Subcommands.Add(query);
        command.Subcommands.Add(AuditPartitionCommands.Build(runtime.Options, runtime.Console));
        AuditProveCommand.AddTo(command, runtime);
        return command;
    }

    private static async Task<int> ExportAsync(CliRuntime runtime, ParseResult parse, string tenant, string? before, string output, CancellationToken cancellationToken)
    {
        var path = "tenants/" + CliRuntime.Segment(tenant) + "/audit/export";
        if (before is not null)
        {
            if (!DateTimeOffset.TryParse(before, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var cut))
            {
                return await UsageAsync(runtime.Console, "--before must be an ISO 8601 time");
            }

            path += "?before=" + Uri.EscapeDataString(cut.ToString("O", CultureInfo.InvariantCulture));
        }

        var full = Resolve(runtime.Console, output);
        var partial = full + ExportFiles.PartialSuffix;
        FileStream created;
        try
        {
            created = ExportFiles.CreatePartial(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return await UsageAsync(runtime.Console, ex.Message);
        }

        var code = ExitCodes.InvalidInput;
        var moved = false;
        try
        {
            await using (var stream = created)
            {
                code = await runtime.DownloadAsync(parse, path, stream, cancellationToken);
                if (code == ExitCodes.Success)
                {
                    await stream.FlushAsync(cancellationToken);
                    stream.Flush(flushToDisk: true);
                }
            }

            if (code != ExitCodes.Success)
            {
                return code;
            }

            DurableRename.Replace(partial, full);
            moved = true;
        }
        finally
        {
            // Every way out but a whole export removes its .partial (created new above: ours), which would refuse the next export.
            if (!moved)
            {
                File.Delete(partial);
            }
        }

        await runtime.Console.Error.WriteLineAsync($"exported tenant {tenant} to {full}");
        return ExitCodes.Success;
    }

    private static async Task<int> VerifyFileAsync(CliConsole console, string file, (bool Json, bool AllowEmpty, string? Tenant) how, CancellationToken cancellationToken)
    {
        AuditExportResult result;
        try
        {
            using var reader = new StreamReader(Resolve(console, file));
            result = AuditExportVerifier.Verify(reader);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return await UsageAsync(console, $"cannot read {file}: {ex.Message}");
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (how.Tenant is not null && result.Intact && result.Tenant != how.Tenant)
        {
            // Intact is not the auditor's: an export's seals are hashes anyone can compute, so another tenant's export verifies too.
            result = result with { Intact = false, Reason = "tenant_mismatch", Detail = $"the export is of tenant {result.Tenant ?? "none"}, you expected {how.Tenant}" };
        }

        // An export of no records (an empty file, /dev/null, anchors alone) proves no chain: not intact unless expected.
        var empty = result.Intact && result.Chains.Values.Sum(static c => c.Records) == 0 && !how.AllowEmpty;
        if (how.Json)
        {
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["intact"] = result.Intact && !empty,
                ["tenant"] = result.Tenant,
                ["records"] = result.Chains.Values.Sum(static c => c.Records),
                ["broken_at_line"] = result.BrokenAtLine,
                ["reason"] = empty ? "no_records" : result.Reason,
                ["detail"] = result.Detail,
                ["outcome_unknown"] = result.OutcomeUnknown,
                ["outcome_unknown_request_ids"] = result.OutcomeUnknownRequestIds,
                ["partitions"] = result.Chains.Values.Select(static c => new Dictionary<string, object?>
                {
                    ["replica"] = c.Replica,
                    ["from_seq"] = c.AnchorSeq + 1,
                    ["records"] = c.Records,
                    ["tip_hash"] = c.Previous,
                }).ToList(),
            }));
        }
        else
        {
            foreach (var chain in result.Chains.Values)
            {
                var start = chain.AnchorSeq == 0 ? "genesis" : string.Create(CultureInfo.InvariantCulture, $"anchor at seq {chain.AnchorSeq}");
                await LineAsync(console, $"  replica {chain.Replica}: from {start}, {chain.Records} records verified, tip {chain.Previous}");
            }

            var of = result.Tenant is null ? string.Empty : $" of tenant {result.Tenant}";
            await LineAsync(console, empty
                ? $"Export {file} holds no records: it proves no chain (pass --allow-empty when an empty export is what you expect)"
                : result.Intact
                    ? $"Export {file}{of} intact: {result.Chains.Values.Sum(static c => c.Records)} records in {result.Chains.Count} chains"
                    : $"Export {file} BROKEN{(result.BrokenAtLine is { } line ? string.Create(CultureInfo.InvariantCulture, $" at line {line}") : string.Empty)}: {result.Reason} ({result.Detail})");
            if (result.Intact && !empty && how.Tenant is null && result.Tenant is not null)
            {
                await LineAsync(console, $"  tenant {result.Tenant} as the export's lines name it: check it is the tenant you exported, or pass --expect-tenant");
            }

            if (OutcomeUnknown(result.OutcomeUnknown, result.OutcomeUnknownRequestIds) is { } unknown)
            {
                await LineAsync(console, unknown);
            }
        }

        return result.Intact && !empty ? ExitCodes.Success : ExitCodes.VerificationFailed;
    }

    private static string Resolve(CliConsole console, string path) =>
        Path.GetFullPath(path, console.WorkingDirectory ?? Environment.CurrentDirectory);

    private static async Task<int> UsageAsync(CliConsole console, string message)
    {
        await console.Error.WriteLineAsync("error: invalid_input: " + TerminalText.Safe(message));
        return ExitCodes.InvalidInput;
    }

    // A line of the text output: what an export's lines or the gateway's answer supply (a record's tenant, replica, agent,
    // tool and request id, quoted in a reason) is shown with its terminal controls escaped, so it cannot rewrite or hide
    // the verdict line.
    private static Task LineAsync(CliConsole console, string line) => console.Out.WriteLineAsync(TerminalText.Safe(line));

    private static void Line(TextWriter? output, string line) => output?.WriteLine(TerminalText.Safe(line));

    private static int? PrintVerify(JsonElement body, TextWriter? output)
    {
        // A verdict is read only from a verification: any other answer is unexpected_answer, never "BROKEN" nor "intact".
        if (body.ValueKind != JsonValueKind.Object || !body.TryGetProperty("intact", out var intact) || intact.ValueKind is not (JsonValueKind.True or JsonValueKind.False))
        {
            throw new UnexpectedAnswerException("the answer to audit/verify is not a verification (no intact true or false)");
        }

        var tenant = Json.Str(body, "tenant");
        if (body.TryGetProperty("partitions", out var partitions) && partitions.ValueKind == JsonValueKind.Array)
        {
            foreach (var chain in partitions.EnumerateArray())
            {
                Line(output, Json.Bool(chain, "intact")
                    ? $"  replica {Json.Str(chain, "replica")}: intact, {Json.Str(chain, "records")} records, tip {Json.Str(chain, "tip_hash")}"
                    : $"  replica {Json.Str(chain, "replica")}: BROKEN at index {Json.Str(chain, "broken_at_index")}: {Json.Str(chain, "reason")}");
            }
        }

        var unknown = body.TryGetProperty("outcome_unknown", out var count) && count.TryGetInt64(out var n)
            ? OutcomeUnknown(n, [.. Json.Array(body, "outcome_unknown_request_ids").Select(static id => id.GetString() ?? string.Empty)])
            : null;
        if (Json.Bool(body, "intact"))
        {
            Line(output, $"Audit chain of tenant {tenant} intact: {Json.Str(body, "records")} records, tip {Json.Str(body, "tip_hash")}");
            if (unknown is not null)
            {
                Line(output, unknown);
            }

            return null;
        }

        Line(output, $"Audit chain of tenant {tenant} BROKEN in replica {Json.Str(body, "replica")} at index {Json.Str(body, "broken_at_index")}: {Json.Str(body, "reason")} ({Json.Str(body, "detail")})");
        if (unknown is not null)
        {
            Line(output, unknown);
        }

        return ExitCodes.ChainBroken;
    }

    /// <summary>
    /// The line about decisions whose outcome is unknown (answered, the outcome's append lost to a crash): not a break of
    /// the chain; null when there is none.
    /// </summary>
    private static string? OutcomeUnknown(long count, IReadOnlyList<string> requestIds) => count == 0
        ? null
        : string.Create(CultureInfo.InvariantCulture, $"  outcome unknown: {count} decision(s) to be carried out have no outcome record (not a break; requests {string.Join(", ", requestIds)}{(count > requestIds.Count ? ", ..." : string.Empty)})");

    private static int? PrintQuery(JsonElement body, TextWriter? output)
    {
        if (output is null)
        {
            return null;
        }

        foreach (var r in Json.Array(body, "records"))
        {
            Line(output, $"{Json.Str(r, "time")} {Json.Str(r, "replica")}#{Json.Str(r, "seq")} {Json.Str(r, "agent")} {Json.Str(r, "tool")} {Json.Str(r, "decision")} {Answered(r)}");
        }

        if (body.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String)
        {
            Line(output, "next page: --cursor " + next.GetString());
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
            Line(output, $"{Json.Str(r, "seq"),6} {Json.Str(r, "time")} {Json.Str(r, "agent")} {Json.Str(r, "tool")} {Json.Str(r, "decision")} {Answered(r)} {Json.Str(r, "actor")}");
        }

        return null;
    }

    /// <summary>
    /// What the record's request was answered: its status; for a record standing for several requests, how many and
    /// (folded outcomes) each request's status; none yet (<c>-</c>) for a decision written before its request was
    /// forwarded, one request's or several's (folded decisions: <c>- x3</c>).
    /// </summary>
    private static string Answered(JsonElement record)
    {
        if (record.TryGetProperty("outcomes", out var outcomes) && outcomes.ValueKind == JsonValueKind.Array)
        {
            return $"x{Json.Str(record, "count")} [{string.Join(',', outcomes.EnumerateArray().Select(o => Json.Str(o, "status_code")))}]";
        }

        var status = Json.Str(record, "status_code");
        var answered = status.Length > 0 ? status : "-";
        return record.TryGetProperty("count", out _) ? $"{answered} x{Json.Str(record, "count")}" : answered;
    }
}
