using System.Buffers;
using System.Buffers.Text;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Gateway.Oversight.Audit;

/// <summary>
/// Seals a record in one pass: its canonical form (<see cref="AuditCanonicalJson"/>) is written once,
/// straight into one buffer, with the members already in ordinal order; the SHA-256 of that buffer is
/// the record's hash, and the journal line is the same bytes with <c>"hash"</c> spliced in at its
/// sorted place. No serializer, no parse, no second canonicalisation.
/// </summary>
internal static class AuditSeal
{
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    // The one buffer per record, reused by the thread's next record (records are written one at a time per thread).
    [ThreadStatic]
    private static ArrayBufferWriter<byte>? t_buffer;

    /// <summary>Hashes <paramref name="unsigned"/> (whose <see cref="AuditRecord.Hash"/> is null) and returns it sealed with its journal line.</summary>
    /// <exception cref="ArgumentException">The entry holds text that does not survive UTF-8 (a lone surrogate) or a non-finite number.</exception>
    public static (AuditRecord Record, string Line) Seal(AuditRecord unsigned)
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(16 * 1024);
        buffer.ResetWrittenCount();
        int split;
        try
        {
            split = WriteUnsigned(buffer, unsigned);
        }
        catch (EncoderFallbackException ex)
        {
            throw new ArgumentException("The audit entry holds text that does not survive UTF-8 (a lone surrogate).", nameof(unsigned), ex);
        }

        var written = buffer.WrittenSpan;
        Span<byte> digest = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(written, digest);
        var hash = Convert.ToHexStringLower(digest);

        // {before,"hash":"…",after}: "hash" always has members on both sides (agent…, prev_hash…).
        var line = string.Create(Encoding.UTF8.GetCharCount(written) + hash.Length + 10, (buffer, split, hash), static (chars, state) =>
        {
            var bytes = state.buffer.WrittenSpan;
            var at = Encoding.UTF8.GetChars(bytes[..state.split], chars);
            "\"hash\":\"".CopyTo(chars[at..]);
            at += 8;
            state.hash.CopyTo(chars[at..]);
            at += state.hash.Length;
            chars[at++] = '"';
            chars[at++] = ',';
            Encoding.UTF8.GetChars(bytes[state.split..], chars[at..]);
        });

        return (unsigned with { Hash = hash }, line);
    }

    /// <summary>Writes the canonical form without <c>hash</c>; returns the byte offset where <c>"hash":…,</c> belongs.</summary>
    private static int WriteUnsigned(ArrayBufferWriter<byte> w, AuditRecord r)
    {
        var members = new MemberWriter(w);
        w.Write("{"u8);
        members.String("actor"u8, r.Actor);
        members.String("agent"u8, r.Agent);
        members.String("approval_id"u8, r.ApprovalId);
        members.String("connector"u8, r.Connector);
        members.String("decision"u8, r.Decision);
        if (r.Explanation is { } explanation)
        {
            members.Name("explanation"u8);
            WriteCanonical(w, explanation);
        }

        if (r.FailingControls is { } controls)
        {
            members.Name("failing_controls"u8);
            w.Write("["u8);
            for (var i = 0; i < controls.Count; i++)
            {
                if (i > 0)
                {
                    w.Write(","u8);
                }

                WriteString(w, controls[i]);
            }

            w.Write("]"u8);
        }

        // "hash" sorts here; the next member starts after a comma that the splice supplies.
        var split = w.WrittenCount + 1;
        members.String("intent_digest"u8, r.IntentDigest);
        members.Boolean("invoked"u8, r.Invoked);
        members.Number("latency_ms"u8, r.LatencyMs);
        members.String("policy_digest"u8, r.PolicyDigest);
        members.String("prev_hash"u8, r.PrevHash);
        if (r.Redactions is { } redactions)
        {
            members.Name("redactions"u8);
            w.Write("{"u8);
            var first = true;
            foreach (var pair in redactions.OrderBy(static p => p.Key, StringComparer.Ordinal))
            {
                if (!first)
                {
                    w.Write(","u8);
                }

                first = false;
                WriteString(w, pair.Key);
                w.Write(":"u8);
                WriteInteger(w, pair.Value);
            }

            w.Write("}"u8);
        }

        members.String("replica"u8, r.Replica);
        members.String("request_id"u8, r.RequestId);
        members.Number("seq"u8, r.Seq);
        if (r.Simulated is { } simulated)
        {
            members.Boolean("simulated"u8, simulated);
        }

        members.Number("status_code"u8, r.StatusCode);
        members.String("tenant"u8, r.Tenant);
        members.Name("time"u8);
        Span<char> time = stackalloc char[40];
        r.Time.TryFormat(time, out var timeLength, "O", CultureInfo.InvariantCulture);
        WriteString(w, time[..timeLength]);
        members.String("tool"u8, r.Tool);
        members.Number("upstream_status"u8, r.UpstreamStatus);
        members.String("workspace"u8, r.Workspace);
        w.Write("}"u8);
        return split;
    }

    /// <summary>A JSON value in canonical form: members sorted by ordinal name, duplicates refused, numbers as written.</summary>
    private static void WriteCanonical(ArrayBufferWriter<byte> w, JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var members = new List<JsonProperty>();
                foreach (var property in element.EnumerateObject())
                {
                    members.Add(property);
                }

                members.Sort(static (a, b) => string.CompareOrdinal(a.Name, b.Name));
                w.Write("{"u8);
                for (var i = 0; i < members.Count; i++)
                {
                    if (i > 0)
                    {
                        if (string.Equals(members[i - 1].Name, members[i].Name, StringComparison.Ordinal))
                        {
                            throw new ArgumentException($"The explanation repeats member '{members[i].Name}'.");
                        }

                        w.Write(","u8);
                    }

                    WriteString(w, members[i].Name);
                    w.Write(":"u8);
                    WriteCanonical(w, members[i].Value);
                }

                w.Write("}"u8);
                break;
            case JsonValueKind.Array:
                w.Write("["u8);
                var first = true;
                foreach (var item in element.EnumerateArray())
                {
                    if (!first)
                    {
                        w.Write(","u8);
                    }

                    first = false;
                    WriteCanonical(w, item);
                }

                w.Write("]"u8);
                break;
            case JsonValueKind.String:
                // Without a backslash the raw text already is canonical (nothing in it needs escaping).
                var raw = JsonMarshal.GetRawUtf8Value(element);
                if (raw.IndexOf((byte)'\\') < 0)
                {
                    w.Write(raw);
                }
                else
                {
                    WriteString(w, element.GetString()!);
                }

                break;
            case JsonValueKind.Number:
                w.Write(JsonMarshal.GetRawUtf8Value(element));
                break;
            case JsonValueKind.True:
                w.Write("true"u8);
                break;
            case JsonValueKind.False:
                w.Write("false"u8);
                break;
            case JsonValueKind.Null:
                w.Write("null"u8);
                break;
            default:
                throw new ArgumentException($"Unexpected JSON value kind {element.ValueKind}.");
        }
    }

    /// <summary>A string escaping only <c>"</c>, <c>\</c> and control characters, everything else literal UTF-8.</summary>
    private static void WriteString(ArrayBufferWriter<byte> w, ReadOnlySpan<char> value)
    {
        w.Write("\""u8);
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c >= ' ' && c != '"' && c != '\\')
            {
                continue;
            }

            WriteUtf8(w, value[start..i]);
            start = i + 1;
            switch (c)
            {
                case '"':
                    w.Write("\\\""u8);
                    break;
                case '\\':
                    w.Write("\\\\"u8);
                    break;
                case '\b':
                    w.Write("\\b"u8);
                    break;
                case '\f':
                    w.Write("\\f"u8);
                    break;
                case '\n':
                    w.Write("\\n"u8);
                    break;
                case '\r':
                    w.Write("\\r"u8);
                    break;
                case '\t':
                    w.Write("\\t"u8);
                    break;
                default:
                    var escape = w.GetSpan(6);
                    "\\u00"u8.CopyTo(escape);
                    escape[4] = HexDigit(c >> 4);
                    escape[5] = HexDigit(c & 0xF);
                    w.Advance(6);
                    break;
            }
        }

        WriteUtf8(w, value[start..]);
        w.Write("\""u8);
    }

    private static byte HexDigit(int value) => (byte)(value < 10 ? '0' + value : 'a' + value - 10);

    private static void WriteUtf8(ArrayBufferWriter<byte> w, ReadOnlySpan<char> text)
    {
        if (text.IsEmpty)
        {
            return;
        }

        var span = w.GetSpan(StrictUtf8.GetMaxByteCount(text.Length));
        w.Advance(StrictUtf8.GetBytes(text, span));
    }

    private static void WriteInteger(ArrayBufferWriter<byte> w, long value)
    {
        var span = w.GetSpan(20);
        Utf8Formatter.TryFormat(value, span, out var length);
        w.Advance(length);
    }

    /// <summary>Writes <c>,"name":</c> (no comma before the first member) and the common scalar members; nulls are left out.</summary>
    private ref struct MemberWriter(ArrayBufferWriter<byte> w)
    {
        private bool _any;

        public void Name(ReadOnlySpan<byte> name)
        {
            if (_any)
            {
                w.Write(","u8);
            }

            _any = true;
            w.Write("\""u8);
            w.Write(name);
            w.Write("\":"u8);
        }

        public void String(ReadOnlySpan<byte> name, string? value)
        {
            if (value is null)
            {
                return;
            }

            Name(name);
            WriteString(w, value);
        }

        public void Boolean(ReadOnlySpan<byte> name, bool value)
        {
            Name(name);
            w.Write(value ? "true"u8 : "false"u8);
        }

        public void Number(ReadOnlySpan<byte> name, long? value)
        {
            if (value is null)
            {
                return;
            }

            Name(name);
            WriteInteger(w, value.Value);
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
            var span = w.GetSpan(32);
            number.TryFormat(span, out var length, "R", CultureInfo.InvariantCulture);
            w.Advance(length);
        }
    }
}
