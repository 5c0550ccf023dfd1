using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Cli.Evidence;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>evidence export</c>: the records of a time range, request, run, approval or incident, with their explanations, one
/// signed checkpoint per chain taken for the export, an inclusion proof per record against it, the JWKS, the bundle
/// digest (and bundle), a manifest of SHA-256 hashes and the gateway's signature over it, in one zip; prints a ticket
/// footer. <c>evidence verify</c>: checks a pack offline with public keys only (<see cref="EvidencePackVerifier"/>).
/// </summary>
internal static class EvidenceCommands
{
    private const int PageSize = 1000;

    // How many of the tenant's most recent incidents --incident-id looks through (the admin API's most).
    private const int MostRecentIncidents = 1000;

    public static Command Build(CliRuntime runtime)
    {
        var command = new Command("evidence", "Evidence packs: records with their proofs, verifiable offline with only public keys");

        var tenant = GlobalOptions.Tenant();
        var from = new Option<string?>("--from") { Description = "Records at or after this ISO 8601 time (with --to)" };
        var to = new Option<string?>("--to") { Description = "Records before this ISO 8601 time (with --from)" };
        var requestId = new Option<string?>("--request-id") { Description = "The records of this request" };
        var runId = new Option<string?>("--run-id") { Description = "The records of this run" };
        var approvalId = new Option<string?>("--approval-id") { Description = "The records of this approval (its request and the actions that used it)" };
        var incidentId = new Option<string?>("--incident-id") { Description = "The records of this incident (its agent, tool and intent)" };
        var output = new Option<string>("--output", "-o") { Description = "The pack (zip) to write", Required = true };
        var withBundle = new Option<string?>("--with-bundle") { Description = "Also put the tenant's policy file of this bundle directory (the one in force) into the pack under bundle/" };
        var receipts = new Option<string?>("--receipts") { Description = "A file of receipts (one a line, from Gamut-Receipt headers) to include beside the stored receipts of the exported records" };
        var exportAfter = AfterCheckpoint("Also put the consistency proof from this checkpoint (the auditor's or witness's last, as `audit checkpoint -o` writes it) to the pack's into the pack; once per chain");
        var export = new Command("export", "Write an evidence pack (zip) of the selected records and print its ticket footer")
        {
            tenant, from, to, requestId, runId, approvalId, incidentId, output, withBundle, receipts, exportAfter,
        };
        export.SetAction(async (parse, ct) =>
        {
            var selection = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var (name, option) in new[] { ("from", from), ("to", to), ("request_id", requestId), ("run_id", runId), ("approval_id", approvalId), ("incident_id", incidentId) })
            {
                if (parse.GetValue(option) is { } value)
                {
                    selection[name] = value;
                }
            }

            foreach (var bound in (ReadOnlySpan<string>)["from", "to"])
            {
                // Written into the signed manifest in one form (UTC, round-trip), the one the verifier reads back.
                if (selection.TryGetValue(bound, out var given))
                {
                    if (!DateTimeOffset.TryParse(given, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var time))
                    {
                        return await UsageAsync(runtime.Console, $"--{bound} must be a time (2026-12-01T09:00:00Z; a time without an offset is UTC)");
                    }

                    selection[bound] = time.ToUniversalTime().ToString("O", CultureInfo.InvariantCulture);
                }
            }

            var timeRange = selection.ContainsKey("from") && selection.ContainsKey("to");
            if (!(timeRange ? selection.Count == 2 : selection.Count == 1 && !selection.ContainsKey("from") && !selection.ContainsKey("to")))
            {
                return await UsageAsync(runtime.Console, "select the records with exactly one of --from/--to (both), --request-id, --run-id, --approval-id, --incident-id");
            }

            var extra = new Dictionary<string, byte[]>(StringComparer.Ordinal);
            List<JsonElement> after;
            try
            {
                ExportFiles.RefuseExistingPartial(Resolve(runtime.Console, parse.GetValue(output)!));
                after = await ReadCheckpointsAsync(runtime.Console, parse.GetValue(exportAfter));
                if (parse.GetValue(withBundle) is { } bundle)
                {
                    // The tenant's own file only: never another tenant's policy, nor the secrets a bundle keeps beside it.
                    var file = EvidencePackBundle.TenantFile(Resolve(runtime.Console, bundle), parse.GetValue(tenant)!)
                        ?? throw new IOException($"{bundle} holds no policy file of tenant {parse.GetValue(tenant)} (a bundle holds one file per tenant, named by its tenant: line)");
                    extra[EvidencePackBundle.EntryName(parse.GetValue(tenant)!)] = await File.ReadAllBytesAsync(file, ct);
                }

                if (parse.GetValue(receipts) is { } receiptFile)
                {
                    extra[EvidencePack.Receipts] = await File.ReadAllBytesAsync(Resolve(runtime.Console, receiptFile), ct);
                }
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or KeyNotFoundException or InvalidOperationException)
            {
                return await UsageAsync(runtime.Console, ex.Message);
            }

            var slug = parse.GetValue(tenant)!;
            var path = Resolve(runtime.Console, parse.GetValue(output)!);
            return await runtime.ExchangeAsync(parse, send => ExportAsync(send, slug, selection, extra, after, path), (summary, text) =>
            {
                if (summary.TryGetProperty("error", out var error))
                {
                    runtime.Console.Error.WriteLine("error: " + error.GetString());
                    return ExitCodes.InvalidInput;
                }

                if (summary.TryGetProperty("record_gap", out var gap))
                {
                    runtime.Console.Error.WriteLine("error: " + gap.GetString());
                    return ExitCodes.VerificationFailed;
                }

                text?.WriteLine(summary.GetProperty("footer").GetString());
                return null;
            }, ct);
        });
        command.Subcommands.Add(export);

        command.Subcommands.Add(EvidenceVerifyCommand.Build(runtime));
        return command;
    }

    internal static Option<string[]> AfterCheckpoint(string description) =>
        new("--after-checkpoint") { Description = description, AllowMultipleArgumentsPerToken = false };

    /// <summary>The checkpoint files named by <c>--after-checkpoint</c>, parsed (each must name its chain and size).</summary>
    internal static async Task<List<JsonElement>> ReadCheckpointsAsync(CliConsole console, string[]? paths)
    {
        var checkpoints = new List<JsonElement>();
        foreach (var path in paths ?? [])
        {
            using var document = JsonDocument.Parse(await File.ReadAllBytesAsync(Resolve(console, path)));
            _ = document.RootElement.GetProperty("replica").GetString() ?? throw new InvalidDataException($"{path} names no replica");
            _ = document.RootElement.GetProperty("tree_size").GetInt64();
            checkpoints.Add(document.RootElement.Clone());
        }

        return checkpoints;
    }

    private static async Task<JsonElement> ExportAsync(
        Func<HttpMethod, string, string?, Task<JsonElement>> send, string tenant, Dictionary<string, string> selection, Dictionary<string, byte[]> files,
        List<JsonElement> after, string path)
    {
        var audit = AdminClient.AdminPrefix + "tenants/" + CliRuntime.Segment(tenant) + "/audit/";
        var records = await SelectAsync(send, tenant, selection);
        if (selection.TryGetValue("from", out var from) && selection.TryGetValue("to", out var to)
            && await EvidenceExportGaps.FillAsync(send, audit, DateTimeOffset.Parse(from, CultureInfo.InvariantCulture), DateTimeOffset.Parse(to, CultureInfo.InvariantCulture), records,
                replica => RetiredThroughAsync(send, audit, replica)) is { } gap)
        {
            // Before anything is signed: a pack missing a record between two of a chain's would not verify.
            return JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["record_gap"] = gap, ["footer"] = string.Empty });
        }

        var receipts = new List<string>();
        var byReplica = records.GroupBy(static r => r.GetProperty("replica").GetString()!).ToList();
        var lines = new StringBuilder();
        var digests = EvidencePackBundle.DigestsOf(records);
        if (EvidencePackBundle.Mismatch(files, tenant, digests) is { } mismatch)
        {
            return JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["error"] = mismatch + "; export with the bundle that was in force", ["footer"] = string.Empty });
        }

        foreach (var record in records)
        {
            lines.Append(JsonSerializer.Serialize(record)).Append('\n');
            if (record.TryGetProperty("explanation_digest", out var e) && record.TryGetProperty("explanation", out var explanation))
            {
                // The explanation as the gateway stored it (less the record's own intent digest): shared by every record naming it.
                using var stored = JsonDocument.Parse(EvidenceExplanation.StoredForm(record, explanation));
                files[EvidencePack.ExplanationsFolder + e.GetString() + ".json"] = JsonSerializer.SerializeToUtf8Bytes(stored.RootElement, CliRuntime.Indented);
            }
        }

        files[EvidencePack.Records] = Encoding.UTF8.GetBytes(lines.ToString());
        files[EvidencePack.BundleDigest] = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object> { ["policy_digests"] = digests }, CliRuntime.Indented);
        var checkpoints = new List<JsonElement>();
        var retired = new List<EvidencePackRetired.Chain>();
        foreach (var chain in byReplica)
        {
            var replica = Uri.EscapeDataString(chain.Key);
            if (await RetiredThroughAsync(send, audit, replica) is > 0 and var through)
            {
                retired.Add(new EvidencePackRetired.Chain(chain.Key, through));
            }

            var checkpoint = await send(HttpMethod.Get, $"{audit}checkpoint?replica={replica}", null);
            checkpoints.Add(checkpoint);
            files[EvidencePack.CheckpointsFolder + chain.Key + ".json"] = JsonSerializer.SerializeToUtf8Bytes(checkpoint, CliRuntime.Indented);
            var size = checkpoint.GetProperty("tree_size").GetInt64();
            if (after.FirstOrDefault(c => c.GetProperty("replica").GetString() == chain.Key) is { ValueKind: JsonValueKind.Object } held
                && held.GetProperty("tree_size").GetInt64() is var first && first < size)
            {
                // The auditor's checkpoint to the pack's: a rolled back or rewritten log cannot produce it (RFC 9162 §2.1.4).
                var consistency = await send(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"{audit}proof/consistency?first={first}&second={size}&replica={replica}"), null);
                files[EvidencePack.ConsistencyFolder + chain.Key + ".json"] = JsonSerializer.SerializeToUtf8Bytes(consistency, CliRuntime.Indented);
            }

            foreach (var record in chain)
            {
                var seq = record.GetProperty("seq").GetInt64();
                var proof = await send(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"{audit}proof/inclusion?seq={seq}&replica={replica}&tree_size={size}"), null);
                files[string.Create(CultureInfo.InvariantCulture, $"{EvidencePack.ProofsFolder}{chain.Key}-{seq}.json")] = JsonSerializer.SerializeToUtf8Bytes(proof, CliRuntime.Indented);
            }

            receipts.AddRange(await StoredReceiptsAsync(send, audit, replica, [.. chain.Select(static r => r.GetProperty("seq").GetInt64())]));
        }

        if (receipts.Count > 0)
        {
            // The stored receipts of every exported record, then any the --receipts file adds (each once).
            var given = files.TryGetValue(EvidencePack.Receipts, out var file) ? Encoding.UTF8.GetString(file).Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) : [];
            files[EvidencePack.Receipts] = Encoding.UTF8.GetBytes(string.Concat(receipts.Concat(given).Distinct(StringComparer.Ordinal).Select(static r => r + "\n")));
        }

        if (retired.Count > 0)
        {
            files[EvidencePack.Retired] = EvidencePackRetired.Write(retired);
        }

        files[EvidencePack.Jwks] = Encoding.UTF8.GetBytes(JsonSerializer.Serialize(await send(HttpMethod.Get, ".well-known/gamut-receipt-keys.json", null), CliRuntime.Indented));
        var manifest = EvidencePack.ManifestOf(tenant, selection, DateTimeOffset.UtcNow, files);
        var manifestSha = EvidencePack.Sha256(manifest);
        var signed = await send(HttpMethod.Post, audit + "evidence-manifest", JsonSerializer.Serialize(new Dictionary<string, string> { ["manifest_sha256"] = manifestSha }));
        try
        {
            EvidencePack.Write(path, files, manifest, signed.GetProperty("signature").GetString()!);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["error"] = "invalid_input: cannot write the pack: " + ex.Message, ["footer"] = string.Empty });
        }

        var heads = string.Join(", ", checkpoints.Select(static c => $"checkpoint {c.GetProperty("replica").GetString()} size {c.GetProperty("tree_size").GetInt64()} root {c.GetProperty("root_hash").GetString()![..12]}"));
        var gone = string.Concat(retired.Select(static r => $", {r} retired before the export"));
        var footer = $"gamut-evidence: {records.Count} records, tenant {tenant}, {(heads.Length == 0 ? "no checkpoint" : heads)}{gone}, manifest sha256 {manifestSha[..12]}";
        return JsonSerializer.SerializeToElement(new Dictionary<string, object>
        {
            ["pack"] = path,
            ["records"] = records.Count,
            ["manifest_sha256"] = manifestSha,
            ["checkpoints"] = checkpoints,
            ["retired"] = retired.Select(static r => new Dictionary<string, object> { ["replica"] = r.Replica, ["retired_through_seq"] = r.ThroughSeq }).ToList(),
            ["footer"] = footer,
        });
    }

    /// <summary>
    /// How many of the chain's oldest records retention retired (its anchor): its oldest stored record (<c>GET …/audit?replica=&amp;start=0&amp;limit=1</c>)
    /// has seq anchor + 1; 0 when nothing was retired.
    /// </summary>
    internal static async Task<long> RetiredThroughAsync(Func<HttpMethod, string, string?, Task<JsonElement>> send, string audit, string replica)
    {
        var oldest = await send(HttpMethod.Get, $"{audit.TrimEnd('/')}?replica={replica}&start=0&limit=1", null);
        return oldest.GetProperty("records").EnumerateArray().FirstOrDefault() is { ValueKind: JsonValueKind.Object } first && first.TryGetProperty("seq", out var seq)
            ? seq.GetInt64() - 1
            : 0;
    }

    /// <summary>
    /// The stored receipts (<c>audit/receipts</c>) of the records <paramref name="seqs"/> of one chain, in seq order:
    /// asked for by seq range (at most 1000 records each), kept only for the exported records.
    /// </summary>
    private static async Task<List<string>> StoredReceiptsAsync(Func<HttpMethod, string, string?, Task<JsonElement>> send, string audit, string replica, long[] seqs)
    {
        var wanted = seqs.ToHashSet();
        var receipts = new List<string>();
        Array.Sort(seqs);
        for (var i = 0; i < seqs.Length;)
        {
            var from = seqs[i];
            while (i < seqs.Length && seqs[i] - from < 1000)
            {
                i++;
            }

            var to = seqs[i - 1];
            var page = await send(HttpMethod.Get, string.Create(CultureInfo.InvariantCulture, $"{audit}receipts?replica={replica}&from_seq={from}&to_seq={to}"), null);
            foreach (var receipt in page.GetProperty("receipts").EnumerateArray())
            {
                if (wanted.Contains(receipt.GetProperty("seq").GetInt64()))
                {
                    receipts.Add(receipt.GetProperty("receipt").GetString()!);
                }
            }
        }

        return receipts;
    }

    /// <summary>The selected records as the audit query returns them (every page), oldest first.</summary>
    private static async Task<List<JsonElement>> SelectAsync(Func<HttpMethod, string, string?, Task<JsonElement>> send, string tenant, Dictionary<string, string> selection)
    {
        var prefix = AdminClient.AdminPrefix + "tenants/" + CliRuntime.Segment(tenant) + "/";
        var filter = new Dictionary<string, string>(StringComparer.Ordinal);
        Func<JsonElement, bool> keep = static _ => true;
        if (selection.TryGetValue("approval_id", out var approvalId))
        {
            // The approval's request and every action that presented its warrant carry approval_id; the request that
            // opened it carries the approval's intent digest.
            var approval = await send(HttpMethod.Get, prefix + "approvals/" + CliRuntime.Segment(approvalId), null);
            var intent = approval.GetProperty("intent_digest").GetString();
            filter["agent"] = approval.GetProperty("agent").GetString()!;
            filter["tool"] = approval.GetProperty("tool").GetString()!;
            keep = r => Text(r, "approval_id") == approvalId || Text(r, "intent_digest") == intent;
        }
        else if (selection.TryGetValue("incident_id", out var incidentId))
        {
            // The admin API lists incidents newest last, at most its 1,000 most recent: an older one is exported by its time range.
            var incidents = await send(HttpMethod.Get, prefix + "incidents?limit=" + MostRecentIncidents.ToString(CultureInfo.InvariantCulture), null);
            var incident = incidents.GetProperty("incidents").EnumerateArray().FirstOrDefault(i => Text(i, "id") == incidentId);
            if (incident.ValueKind != JsonValueKind.Object)
            {
                throw new CliRuntime.RefusedCallException(new AdminResponse(System.Net.HttpStatusCode.NotFound, JsonSerializer.SerializeToElement(new Dictionary<string, string> { ["code"] = "incident_not_found", ["title"] = $"No incident {incidentId} among the tenant's {MostRecentIncidents} most recent: export an older one by --from/--to" })));
            }

            var intent = Text(incident, "intent_digest");
            filter["agent"] = Text(incident, "agent")!;
            filter["tool"] = Text(incident, "tool")!;
            keep = r => Text(r, "intent_digest") == intent;
        }
        else
        {
            foreach (var (name, value) in selection)
            {
                filter[name] = value;
            }
        }

        var records = new List<JsonElement>();
        string? cursor = null;
        do
        {
            var query = string.Join('&', filter.Select(static f => f.Key + "=" + Uri.EscapeDataString(f.Value)).Append(string.Create(CultureInfo.InvariantCulture, $"limit={PageSize}")));
            var page = await send(HttpMethod.Get, prefix + "audit/query?" + query + (cursor is null ? string.Empty : "&cursor=" + Uri.EscapeDataString(cursor)), null);
            records.AddRange(page.GetProperty("records").EnumerateArray().Where(keep).Select(static r => r.Clone()));
            cursor = page.TryGetProperty("next_cursor", out var next) && next.ValueKind == JsonValueKind.String ? next.GetString() : null;
        }
        while (cursor is not null);
        return records;
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    internal static string Resolve(CliConsole console, string path) =>
        Path.GetFullPath(path, console.WorkingDirectory ?? Environment.CurrentDirectory);

    internal static async Task<int> UsageAsync(CliConsole console, string message)
    {
        await console.Error.WriteLineAsync("error: invalid_input: " + TerminalText.Safe(message));
        return ExitCodes.InvalidInput;
    }
}
