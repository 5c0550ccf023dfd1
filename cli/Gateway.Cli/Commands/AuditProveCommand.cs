using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Gateway.Policy.Evidence;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>audit prove</c>: fetch a record's inclusion proof (<c>--request-id</c> or <c>--seq</c>) or a consistency proof
/// (<c>--first</c>) into a file, or <c>--verify</c> one offline with only the JWKS (and, against it, a
/// checkpoint kept: <c>--checkpoint</c>), naming the tenant, replica and record it proves (every tenant's checkpoints are
/// signed with the same receipt keys: <c>--expect-tenant</c> fails a proof of another, <c>tenant_mismatch</c>).
/// <c>audit checkpoint</c>: export a signed checkpoint now.
/// </summary>
internal static class AuditProveCommand
{
    public static void AddTo(Command audit, CliRuntime runtime)
    {
        var tenant = new Option<string?>("--tenant") { Description = "Tenant slug (fetch through the gateway)" };
        var requestId = new Option<string?>("--request-id") { Description = "Inclusion proof of the decision record of this request" };
        var seq = new Option<long?>("--seq") { Description = "Inclusion proof of the record with this seq (in --replica's chain)" };
        var first = new Option<long?>("--first") { Description = "Consistency proof from the tree of this many records (an earlier checkpoint's tree_size)" };
        var second = new Option<long?>("--second") { Description = "… to the tree of this many records (default: all)" };
        var treeSize = new Option<long?>("--tree-size") { Description = "Prove inclusion in the tree of this many records (default: all)" };
        var replica = new Option<string?>("--replica") { Description = "The chain (default: the answering replica's)" };
        var output = new Option<string?>("--output", "-o") { Description = "Write the proof (JSON) to this file" };
        var verify = new Option<string?>("--verify") { Description = "A proof file to check offline instead (exit 2 when it does not verify)" };
        var jwks = new Option<string?>("--jwks") { Description = "The receipt keys' JWKS file (with --verify)" };
        var earlier = new Option<string?>("--checkpoint") { Description = "A checkpoint you kept: the proof must be made against it, an inclusion proof in its tree, a consistency proof from it (with --verify)" };
        var expectTenant = new Option<string?>("--expect-tenant") { Description = "The tenant whose log you asked about: a proof of another is tenant_mismatch, exit 2 (with --verify)" };
        var prove = new Command("prove", "Inclusion and consistency proofs of the Merkle audit log (RFC 9162), fetched or verified offline")
        {
            tenant, requestId, seq, first, second, treeSize, replica, output, verify, jwks, earlier, expectTenant,
        };
        prove.SetAction(async (parse, ct) =>
        {
            if (parse.GetValue(expectTenant) is { } expected && (parse.GetValue(verify) is null || string.IsNullOrWhiteSpace(expected)))
            {
                return await UsageAsync(runtime, "--expect-tenant names the tenant's slug, with --verify");
            }

            if (parse.GetValue(verify) is { } proofFile)
            {
                return await VerifyAsync(runtime, proofFile, (parse.GetValue(jwks), parse.GetValue(earlier), parse.GetValue(expectTenant)), parse.GetValue(runtime.Options.Json));
            }

            if (parse.GetValue(tenant) is not { } slug)
            {
                return await UsageAsync(runtime, "pass --tenant (fetch a proof) or --verify (check one offline)");
            }

            var query = new List<string>();
            string route;
            if (parse.GetValue(first) is { } from)
            {
                route = "proof/consistency";
                query.Add(string.Create(CultureInfo.InvariantCulture, $"first={from}"));
                if (parse.GetValue(second) is { } to)
                {
                    query.Add(string.Create(CultureInfo.InvariantCulture, $"second={to}"));
                }
            }
            else
            {
                route = "proof/inclusion";
                if (parse.GetValue(requestId) is { } id)
                {
                    query.Add("request_id=" + Uri.EscapeDataString(id));
                }

                if (parse.GetValue(seq) is { } number)
                {
                    query.Add(string.Create(CultureInfo.InvariantCulture, $"seq={number}"));
                }

                if (parse.GetValue(treeSize) is { } size)
                {
                    query.Add(string.Create(CultureInfo.InvariantCulture, $"tree_size={size}"));
                }
            }

            if (parse.GetValue(replica) is { } r)
            {
                query.Add("replica=" + Uri.EscapeDataString(r));
            }

            return await FetchAsync(runtime, parse, $"tenants/{CliRuntime.Segment(slug)}/audit/{route}?{string.Join('&', query)}", parse.GetValue(output), ct);
        });
        audit.Subcommands.Add(prove);

        var checkpointTenant = GlobalOptions.Tenant();
        var checkpointReplica = new Option<string?>("--replica") { Description = "The chain (default: the answering replica's)" };
        var checkpointOutput = new Option<string?>("--output", "-o") { Description = "Write the checkpoint (JSON) to this file, to keep for a later consistency check" };
        var checkpoint = new Command("checkpoint", "A signed checkpoint of the chain's Merkle tree now (tree size, root, time)") { checkpointTenant, checkpointReplica, checkpointOutput };
        checkpoint.SetAction((parse, ct) => FetchAsync(runtime, parse,
            $"tenants/{CliRuntime.Segment(parse.GetValue(checkpointTenant)!)}/audit/checkpoint"
                + (parse.GetValue(checkpointReplica) is { } r ? "?replica=" + Uri.EscapeDataString(r) : string.Empty),
            parse.GetValue(checkpointOutput), ct));
        audit.Subcommands.Add(checkpoint);
    }

    private static async Task<int> FetchAsync(CliRuntime runtime, ParseResult parse, string path, string? output, CancellationToken cancellationToken)
    {
        if (output is null)
        {
            return await runtime.CallAsync(parse, HttpMethod.Get, path, null, static (body, writer) =>
            {
                writer?.WriteLine(JsonSerializer.Serialize(body, CliRuntime.Indented));
                return null;
            }, cancellationToken);
        }

        // Owner-only, to a new .partial renamed into place: an existing file is replaced only by a whole answer.
        var full = Resolve(runtime, output);
        FileStream created;
        try
        {
            created = ExportFiles.CreatePartial(full);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return await UsageAsync(runtime, ex.Message);
        }

        var moved = false;
        try
        {
            int code;
            await using (var stream = created)
            {
                code = await runtime.DownloadAsync(parse, path, stream, cancellationToken);
            }

            if (code != ExitCodes.Success)
            {
                return code;
            }

            File.Move(full + ExportFiles.PartialSuffix, full, overwrite: true);
            moved = true;
        }
        finally
        {
            // Every way out but a whole answer removes its .partial (created new above: ours), which would refuse the next call.
            if (!moved)
            {
                File.Delete(full + ExportFiles.PartialSuffix);
            }
        }

        await runtime.Console.Error.WriteLineAsync($"wrote {full}");
        return ExitCodes.Success;
    }

    private static async Task<int> VerifyAsync(CliRuntime runtime, string proofFile, (string? Jwks, string? Earlier, string? Tenant) given, bool json)
    {
        var (jwksFile, earlierFile) = (given.Jwks, given.Earlier);
        if (jwksFile is null)
        {
            return await UsageAsync(runtime, "--verify needs --jwks (the receipt keys' JWKS, e.g. saved from /.well-known/gamut-receipt-keys.json)");
        }

        string? reason;
        AuditProofVerifier.Subject? subject;
        try
        {
            var keys = EvidenceKeySet.Parse(await File.ReadAllTextAsync(Resolve(runtime, jwksFile)));
            using var proof = JsonDocument.Parse(await File.ReadAllTextAsync(Resolve(runtime, proofFile)));
            using var earlier = earlierFile is null ? null : JsonDocument.Parse(await File.ReadAllTextAsync(Resolve(runtime, earlierFile)));
            reason = AuditProofVerifier.Verify(proof.RootElement, keys, earlier?.RootElement, out subject);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return await UsageAsync(runtime, $"cannot read the proof, JWKS or checkpoint: {ex.Message}");
        }

        if (reason is null && given.Tenant is not null && subject!.Tenant != given.Tenant)
        {
            reason = $"tenant_mismatch: the proof is of tenant {subject.Tenant}, you expected {given.Tenant}";
        }

        if (json)
        {
            await runtime.Console.Out.WriteLineAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["verified"] = reason is null,
                ["reason"] = reason,
                ["tenant"] = subject?.Tenant,
                ["replica"] = subject?.Replica,
                ["seq"] = subject?.Seq,
                ["tree_size"] = subject?.TreeSize,
                ["first_tree_size"] = subject?.FirstTreeSize,
            }, CliRuntime.Indented));
        }
        else if (reason is null)
        {
            await runtime.Console.Out.WriteLineAsync($"Proof {proofFile} verified with the JWKS: {Describe(subject!)}");
        }
        else
        {
            await runtime.Console.Out.WriteLineAsync($"Proof {proofFile} does NOT verify: {reason}");
        }

        return reason is null ? ExitCodes.Success : ExitCodes.VerificationFailed;
    }

    // What the proof proves, of whose log: every tenant's checkpoints verify under the same keys.
    private static string Describe(AuditProofVerifier.Subject subject) => subject.Seq is { } seq
        ? string.Create(CultureInfo.InvariantCulture, $"the record of tenant {subject.Tenant} replica {subject.Replica} seq {seq} in its tree of {subject.TreeSize} records")
        : string.Create(CultureInfo.InvariantCulture, $"the tree of tenant {subject.Tenant} replica {subject.Replica} of {subject.TreeSize} records extends its tree of {subject.FirstTreeSize} records");

    private static string Resolve(CliRuntime runtime, string path) => Path.GetFullPath(path, runtime.Console.WorkingDirectory ?? Environment.CurrentDirectory);

    private static async Task<int> UsageAsync(CliRuntime runtime, string message)
    {
        await runtime.Console.Error.WriteLineAsync("error: invalid_input: " + message);
        return ExitCodes.InvalidInput;
    }
}
