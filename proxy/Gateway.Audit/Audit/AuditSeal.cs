using System.Buffers;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Canonical;

namespace Gateway.Audit;

/// <summary>
/// Seals a record in one pass: its canonical form (<see cref="AuditCanonicalJson"/>, written by the
/// gateway's one <see cref="CanonicalJsonWriter"/>) is written once, straight into one buffer, with the
/// members already in sorted order; the SHA-256 of that buffer is
/// the record's hash, and the journal line is the same bytes with <c>"hash"</c> spliced in at its
/// sorted place. No serializer, no parse, no second canonicalisation. The entry's explanation is not in the line:
/// the line carries <c>explanation_digest</c>, the digest of the explanation as stored apart
/// (<see cref="AuditExplanation"/>, resolved through the journal's <see cref="AuditExplanationCache"/>), which the
/// record's hash covers like any other member.
/// </summary>
internal static partial class AuditSeal
{
    private const int MaxRetainedBufferBytes = 256 * 1024;

    private static ReadOnlySpan<byte> HashMember => "\"hash\":\""u8;

    // The one buffer per record, reused by the thread's next record (records are written one at a time per thread).
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>
    /// Hashes <paramref name="unsigned"/> (whose <see cref="AuditRecord.Hash"/> is null) and returns it sealed with its
    /// journal line (UTF-8, no newline) and the explanation to store for it (null when it has none).
    /// </summary>
    /// <exception cref="ArgumentException">The entry holds text that does not survive UTF-8 (a lone surrogate) or a non-finite number, or an explanation that is not JSON.</exception>
    public static AuditSealed Seal(AuditRecord unsigned, AuditExplanationCache? explanations = null)
    {
        var (hash, line, explanation, leafHash) = Write(unsigned, new ChainPlace(unsigned.Replica, unsigned.Seq, unsigned.Time, unsigned.PrevHash), explanations);
        return new AuditSealed(unsigned with { Hash = hash, ExplanationDigest = explanation?.Digest, LeafHash = leafHash }, line, explanation);
    }

    /// <summary>
    /// Seals <paramref name="entry"/> as the record at <paramref name="seq"/> of <paramref name="replica"/>'s chain, after
    /// <paramref name="prevHash"/>: the same record and line as <see cref="Seal(AuditRecord, AuditExplanationCache?)"/> of
    /// the unsigned record, which is never built (the sealed record is the only copy of the entry).
    /// </summary>
    /// <exception cref="ArgumentException">As <see cref="Seal(AuditRecord, AuditExplanationCache?)"/>.</exception>
    public static AuditSealed Seal(AuditEntry entry, string replica, long seq, DateTimeOffset time, string prevHash, AuditExplanationCache? explanations = null)
    {
        var (hash, line, explanation, leafHash) = Write(entry, new ChainPlace(replica, seq, time, prevHash), explanations);
        return new AuditSealed(AuditRecord.From(entry, replica, seq, time, prevHash, hash, explanation?.Digest, leafHash), line, explanation);
    }

    // The chain members of a record that its entry does not hold.
    private readonly record struct ChainPlace(string? Replica, long Seq, DateTimeOffset Time, string PrevHash);

    private static (string Hash, byte[] Line, AuditExplanation? Explanation, string LeafHash) Write(AuditEntry unsigned, in ChainPlace place, AuditExplanationCache? explanations)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        buffer.ResetWrittenCount();
        int split;
        AuditExplanation? explanation = null;
        try
        {
            if (!unsigned.Explanation.IsEmpty)
            {
                // A record standing for several decisions keeps its first's explanation, stored less that one's intent digest.
                var intentDigest = unsigned.Decisions is { Count: > 0 } decisions ? decisions[0].IntentDigest : unsigned.IntentDigest;
                explanation = explanations is null
                    ? AuditExplanationCache.Compute(unsigned.Explanation, intentDigest)
                    : explanations.Resolve(unsigned.Explanation, intentDigest);
            }

            split = WriteUnsigned(buffer, unsigned, place, explanation?.Digest);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("The audit entry holds text that does not survive UTF-8 (a lone surrogate).", nameof(unsigned), ex);
        }
        catch (FormatException ex)
        {
            throw new ArgumentException("The audit entry's explanation is not canonical JSON: " + ex.Message, nameof(unsigned), ex);
        }
        catch (JsonException ex)
        {
            throw new ArgumentException("The audit entry's explanation is not JSON: " + ex.Message, nameof(unsigned), ex);
        }

        var written = buffer.WrittenSpan;
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(written, digest);

        // {before,"hash":"…",after}: "hash" always has members on both sides (agent…, prev_hash…). The
        // line stays UTF-8 (what every store writes): no transcoding to a string and back.
        var line = new byte[written.Length + HashMember.Length + (2 * SHA256.HashSizeInBytes) + 2];
        written[..split].CopyTo(line);
        var at = split;
        HashMember.CopyTo(line.AsSpan(at));
        at += HashMember.Length;
        var hash = Convert.ToHexStringLower(digest);
        at += Encoding.ASCII.GetBytes(hash, line.AsSpan(at));
        line[at++] = (byte)'"';
        line[at++] = (byte)',';
        written[split..].CopyTo(line.AsSpan(at));

        if (buffer.Capacity > MaxRetainedBufferBytes)
        {
            t_buffer = null;
        }

        Gateway.Policy.Evidence.MerkleTree.LeafHash(line, digest);
        return (hash, line, explanation, Convert.ToHexStringLower(digest));
    }

    /// <summary>Writes the canonical form without <c>hash</c>; returns the byte offset where <c>"hash":…,</c> belongs.</summary>
    private static int WriteUnsigned(ArrayBufferWriter<byte> w, AuditEntry r, in ChainPlace place, string? explanationDigest)
    {
        var json = new CanonicalJsonWriter(w);
        var members = new MemberWriter(json);
        json.WriteRaw("{"u8);
        if (r.A2aTask is { } task)
        {
            members.Name("a2a_task"u8);
            WriteA2aTask(json, task);
        }

        members.String("actor"u8, r.Actor);
        if (r.ActorChain is { } chain)
        {
            members.Name("actor_chain"u8);
            WriteActorChain(json, chain);
        }

        members.String("agent"u8, r.Agent);
        members.String("approval_id"u8, r.ApprovalId);
        members.String("connector"u8, r.Connector);
        members.Number("count"u8, r.Count);
        members.String("decision"u8, r.Decision);
        if (r.Decisions is { } decisions)
        {
            members.Name("decisions"u8);
            WriteDecisions(json, decisions);
        }

        members.String("evaluation_request_id"u8, r.EvaluationRequestId);
        members.String("explanation_digest"u8, explanationDigest);

        if (r.FailingControls is { } controls)
        {
            members.Name("failing_controls"u8);
            WriteStrings(json, controls);
        }

        // "hash" sorts here; the next member starts after a comma that the splice supplies.
        var split = w.WrittenCount + 1;
        members.String("intent_digest"u8, r.IntentDigest);

        // A record with no status answered yet (a decision written before its request is forwarded, or one standing for
        // several outcomes, each with its own) leaves out status_code 0 and invoked false: a reader infers both.
        var answered = r.StatusCode != 0 || r.Invoked;
        if (answered)
        {
            members.Boolean("invoked"u8, r.Invoked);
        }

        members.Number("latency_ms"u8, r.LatencyMs);
        if (r.Outcomes is { } outcomes)
        {
            members.Name("outcomes"u8);
            WriteOutcomes(json, outcomes);
        }

        members.String("person"u8, r.Person);
        members.String("person_issuer"u8, r.PersonIssuer);
        members.String("policy_digest"u8, r.PolicyDigest);
        members.String("prev_hash"u8, place.PrevHash);
        members.Redactions(r.Redactions);
        members.String("replica"u8, place.Replica);
        members.String("request_id"u8, r.RequestId);
        if (r.RequestIds is { } requestIds)
        {
            members.Name("request_ids"u8);
            WriteStrings(json, requestIds);
        }

        members.String("run_ended_by"u8, r.RunEndedBy);
        if (r.RunEvent is { } runEvent)
        {
            members.Name("run_event"u8);
            WriteRunEvent(json, runEvent);
        }

        members.String("run_id"u8, r.RunId);
        members.String("secret_slot"u8, r.SecretSlot);
        members.Number("seq"u8, place.Seq);
        if (r.Simulated is { } simulated)
        {
            members.Boolean("simulated"u8, simulated);
        }

        if (answered)
        {
            members.Number("status_code"u8, r.StatusCode);
        }

        members.String("tenant"u8, r.Tenant);
        members.Name("time"u8);
        Span<char> time = stackalloc char[40];
        place.Time.TryFormat(time, out var timeLength, "O", CultureInfo.InvariantCulture);
        json.WriteString(time[..timeLength]);
        members.String("tool"u8, r.Tool);
        members.String("upstream_account"u8, r.UpstreamAccount);
        members.Number("upstream_status"u8, r.UpstreamStatus);
        members.String("workspace"u8, r.Workspace);
        json.WriteRaw("}"u8);
        return split;
    }

    /// <summary>Writes <c>,"name":</c> (no comma before the first member) and the common scalar members; nulls are left out.</summary>
    private ref struct MemberWriter(CanonicalJsonWriter json)
    {
        private bool _any;

        public void Name(ReadOnlySpan<byte> name)
        {
            json.WriteRaw(_any ? ",\""u8 : "\""u8);
            _any = true;
            json.WriteRaw(name);
            json.WriteRaw("\":"u8);
        }

        public void String(ReadOnlySpan<byte> name, string? value)
        {
            if (value is null)
            {
                return;
            }

            Name(name);
            json.WriteString(value);
        }

        public void Redactions(IReadOnlyDictionary<string, int>? redactions)
        {
            if (redactions is null)
            {
                return;
            }

            Name("redactions"u8);
            WriteRedactions(json, redactions);
        }

        public void Boolean(ReadOnlySpan<byte> name, bool value)
        {
            Name(name);
            json.WriteBoolean(value);
        }

        public void Number(ReadOnlySpan<byte> name, long? value)
        {
            if (value is null)
            {
                return;
            }

            Name(name);
            json.WriteNumber(value.Value);
        }

        public void Number(ReadOnlySpan<byte> name, double? value)
        {
            if (value is not { } number)
            {
                return;
            }

            if (!double.IsFinite(number))
            {
                throw new ArgumentException($"The audit member '{Encoding.UTF8.GetString(name)}' is not a finite number.");
            }

            Name(name);
            json.WriteNumber(number);
        }
    }
}
