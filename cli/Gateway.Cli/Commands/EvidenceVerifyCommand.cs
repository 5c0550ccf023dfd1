using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Cli.Evidence;
using Gateway.Policy.Evidence;

namespace Gateway.Cli.Commands;

/// <summary>
/// <c>evidence verify</c>: checks a pack offline with public keys only (<see cref="EvidencePackVerifier"/>), exit 2 naming
/// every problem; a pack of no records proves nothing and is not verified (<c>no_records</c>) unless <c>--allow-empty</c>;
/// prints the selection the pack's manifest states, and with <c>--expect-selection</c> fails one that is not the auditor's (<c>selection_mismatch</c>);
/// prints the tenant the manifest states (every tenant's packs verify under the same receipt keys), and with <c>--expect-tenant</c>
/// fails a pack of another (<c>tenant_mismatch</c>). The text output shows the pack's own text escaped (<see cref="TerminalText"/>).
/// </summary>
internal static class EvidenceVerifyCommand
{
    public static Command Build(CliRuntime runtime)
    {
        var pack = new Argument<string>("pack") { Description = "The evidence pack (zip)" };
        var jwks = new Option<string?>("--jwks") { Description = "The JWKS to trust (default: the pack's own jwks.json, which proves only self-consistency)" };
        var after = EvidenceCommands.AfterCheckpoint("A checkpoint you already hold (from `audit checkpoint -o`, a witness or an earlier pack): the pack's checkpoint of that chain must not be older and must come with a consistency proof from it; once per chain");
        var allowEmpty = new Option<bool>("--allow-empty") { Description = "Accept a pack of no records (a selection that matched nothing) as verified" };
        var expect = new Option<string[]>("--expect-selection")
        {
            Description = "The selection you exported, as name=value (from=ISO and to=ISO, or one of request_id=, run_id=, approval_id=, incident_id=): the pack's must be it",
            AllowMultipleArgumentsPerToken = false,
        };
        var expectTenant = new Option<string?>("--expect-tenant")
        {
            Description = "The tenant you exported: the pack's must be it (the receipt keys sign every tenant's packs)",
        };
        var verify = new Command("verify", "Check a pack offline with public keys only; exit 2 naming every problem") { pack, jwks, after, allowEmpty, expect, expectTenant };
        verify.SetAction((parse, _) => VerifyAsync(
            runtime, parse.GetValue(pack)!, (parse.GetValue(jwks), parse.GetValue(expect), parse.GetValue(expectTenant)), parse.GetValue(after), (parse.GetValue(runtime.Options.Json), parse.GetValue(allowEmpty))));
        return verify;
    }

    private static async Task<int> VerifyAsync(CliRuntime runtime, string packFile, (string? Jwks, string[]? Expect, string? Tenant) given, string[]? afterFiles, (bool Json, bool AllowEmpty) how)
    {
        var jwksFile = given.Jwks;
        Dictionary<string, string>? expected = null;
        if (given.Expect is { Length: > 0 } && (expected = EvidencePackSelection.ParseExpected(given.Expect, out var invalid)) is null)
        {
            return await EvidenceCommands.UsageAsync(runtime.Console, invalid!);
        }

        if (given.Tenant is { } expectedTenant && string.IsNullOrWhiteSpace(expectedTenant))
        {
            return await EvidenceCommands.UsageAsync(runtime.Console, "--expect-tenant needs the tenant's slug");
        }

        EvidencePackVerifier.Result result;
        try
        {
            var files = EvidencePack.Read(EvidenceCommands.Resolve(runtime.Console, packFile));
            var jwks = jwksFile is not null
                ? await File.ReadAllTextAsync(EvidenceCommands.Resolve(runtime.Console, jwksFile))
                : files.TryGetValue(EvidencePack.Jwks, out var own) ? Encoding.UTF8.GetString(own) : throw new InvalidDataException("the pack has no jwks.json; pass --jwks");
            if (jwksFile is null)
            {
                await runtime.Console.Error.WriteLineAsync("warning: verifying with the pack's own jwks.json; pass --jwks with keys obtained independently to prove who signed it");
            }

            result = EvidencePackVerifier.Verify(files, EvidenceKeySet.Parse(jwks), await EvidenceCommands.ReadCheckpointsAsync(runtime.Console, afterFiles));
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException or FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            return await EvidenceCommands.UsageAsync(runtime.Console, $"cannot read the pack or the JWKS: {ex.Message}");
        }

        if (expected is not null && EvidencePackSelection.Mismatch(result.Selection, expected) is { } mismatch)
        {
            result = result with { Problems = [.. result.Problems, mismatch] };
        }

        if (given.Tenant is not null && result.Tenant != given.Tenant)
        {
            result = result with { Problems = [.. result.Problems, $"tenant_mismatch: the pack is of tenant {result.Tenant ?? "none"}, you expected {given.Tenant}"] };
        }

        if (result.Records == 0 && result.Problems.Count == 0 && !how.AllowEmpty)
        {
            // Nothing proven is nothing verified: a selection that matched nothing, or a pack emptied, says so and fails.
            result = result with { Problems = ["no_records: the pack holds no record, so it proves nothing (pass --allow-empty when a pack of no records is what you expect)"] };
        }

        if (how.Json)
        {
            await runtime.Console.Out.WriteLineAsync(JsonSerializer.Serialize(new Dictionary<string, object?>
            {
                ["verified"] = result.Problems.Count == 0,
                ["keys"] = jwksFile is null ? "pack" : "given",
                ["tenant"] = result.Tenant,
                ["records"] = result.Records,
                ["manifest_sha256"] = result.ManifestSha256,
                ["selection"] = result.Selection.ValueKind == JsonValueKind.Undefined ? null : result.Selection,
                ["problems"] = result.Problems,
                ["outcome_unknown"] = result.OutcomeUnknown,
                ["outcome_unknown_request_ids"] = result.OutcomeUnknownRequestIds,
                // As the pack states it: no checkpoint attests it (attested: false), `audit list` checks it.
                // A policy file is attested by its policy's digest, never by its text (bundle_text_attested: false).
                ["bundle"] = result.Bundle.Select(static b => new Dictionary<string, object> { ["file"] = b.File, ["policy_digest"] = b.PolicyDigest, ["bundle_text_attested"] = false }).ToList(),
                ["retired"] = result.Retired.Select(static r => new Dictionary<string, object> { ["replica"] = r.Replica, ["retired_through_seq"] = r.ThroughSeq, ["attested"] = false }).ToList(),
            }, CliRuntime.Indented));
        }
        else if (result.Problems.Count == 0)
        {
            await LineAsync(runtime.Console, $"Pack {packFile} verified: {result.Records} records, {result.Checkpoints.Count} checkpoint(s), manifest sha256 {result.ManifestSha256}");
            await WriteTenantAsync(runtime.Console, result.Tenant, given.Tenant is not null);
            await WriteSelectionAsync(runtime.Console, result.Selection, expected is not null);
            foreach (var file in result.Bundle)
            {
                // The digest is of the parsed policy: a comment added, removed or edited (and the manifest signed again) changes none of it.
                await LineAsync(runtime.Console, $"  {file.File}: its policy is attested by digest {file.PolicyDigest}; its comments and formatting are not (read the policy, not its comments)");
            }

            foreach (var chain in result.Retired)
            {
                // Not a failure: the pack cannot hold records that were no longer stored; the retention export holds them. Nor a
                // fact: nothing the gateway signed says where the chain's stored records start, so it is printed as the pack's word.
                await LineAsync(runtime.Console, $"  {chain.Stated(result.Tenant)} (not in this pack: the retired lines are in the retention export, `audit verify --file`)");
            }

            if (result.OutcomeUnknown > 0)
            {
                // Not a failure: the answer went out and its outcome's append was lost to a crash (or falls after the pack's range).
                await LineAsync(runtime.Console, string.Create(CultureInfo.InvariantCulture,
                    $"  outcome unknown: {result.OutcomeUnknown} decision(s) to be carried out have no outcome record in the pack (requests {string.Join(", ", result.OutcomeUnknownRequestIds)})"));
            }
        }
        else
        {
            await LineAsync(runtime.Console, $"Pack {packFile} does NOT verify ({result.Problems.Count} problem(s)):");
            await WriteTenantAsync(runtime.Console, result.Tenant, given.Tenant is not null);
            await WriteSelectionAsync(runtime.Console, result.Selection, expected is not null);
            foreach (var problem in result.Problems)
            {
                await LineAsync(runtime.Console, "  " + problem);
            }
        }

        return result.Problems.Count == 0 ? ExitCodes.Success : ExitCodes.VerificationFailed;
    }

    // Whose pack it is, as the signed manifest says: every tenant's packs verify under the same keys, so the auditor compares it with the tenant they exported.
    private static Task WriteTenantAsync(CliConsole console, string? tenant, bool expected) =>
        LineAsync(console, $"  tenant: {tenant ?? "none"}{(expected ? string.Empty : " (as the pack states it: check it is the tenant you exported, or pass --expect-tenant)")}");

    // What the signed manifest says was exported: the proofs hold for any selection, so the auditor compares it with what they asked for.
    private static Task WriteSelectionAsync(CliConsole console, JsonElement selection, bool expected) =>
        LineAsync(console, $"  selection: {EvidencePackSelection.Describe(selection)}{(expected ? string.Empty : " (as the pack states it: check it is what you exported, or pass --expect-selection)")}");

    // A line of the text output: what the pack supplies (its selection, tenant, file names, quoted in problems) is shown
    // with its terminal controls escaped, so a pack cannot rewrite or hide the verdict line above it.
    private static Task LineAsync(CliConsole console, string line) => console.Out.WriteLineAsync(TerminalText.Safe(line));
}
