using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Gateway.Connectors.Credentials;
using Gateway.Connectors.Redaction;
using Gateway.Connectors.Results;
using Gateway.Policy;

namespace Gateway.Connectors.Tests;

/// <summary>
/// The injected credential (<see cref="RedactionCounts.RedactCredential"/>) is redacted by every redactor in every
/// spelling, however a stream splits it: the value, its bearer form, JSON-escaped and percent-encoded, base64 and base64url at
/// every offset, an encoding escaped once more; a value longer than the patterns' hold-back; a value split at every character
/// across text chunks and across streamed events.
/// </summary>
public sealed class CredentialEchoRedactionTests
{
    private const string Secret = "echo+cred/Secret=42&x<y>";

    private static RedactionCounts Counts(string secret = Secret)
    {
        var counts = new RedactionCounts();
        counts.RedactCredential(new SecretValue(secret));
        return counts;
    }

    [Theory]
    [InlineData(Secret)]
    [InlineData("Bearer " + Secret)]
    [InlineData("echo\\u002Bcred/Secret=42\\u0026x\\u003Cy\\u003E")]
    [InlineData("echo%2Bcred%2FSecret%3D42%26x%3Cy%3E")]
    [InlineData("echo%2bcred%2fSecret%3d42%26x%3cy%3e")]
    [InlineData("echo\\u002Bcred\\/Secret=42\\u0026x\\u003Cy\\u003E")]
    [InlineData("echo\\u002bcred/Secret=42\\u0026x\\u003cy\\u003e")]
    [InlineData("echo+cred\\/Secret=42&x<y>")]
    public void Redact_TextHoldingASpelling_IsReplacedAndCounted(string spelling)
    {
        var counts = Counts();

        var redacted = TextRedactor.Redact("key: " + spelling + ".", counts);

        Assert.Equal("key: " + (spelling.StartsWith("Bearer ", StringComparison.Ordinal) ? "Bearer " : string.Empty) + "[REDACTED:credential].", redacted);
        Assert.Equal(1, counts[RedactionKind.Credential]);
    }

    private const string Encodable = "vault-Ab/c+d=e*f g7";

    [Theory]
    [InlineData("vault-Ab/c%2Bd%3De%2Af%20g7")] // Python urllib.parse.quote, which keeps /
    [InlineData("vault-Ab/c%2Bd%3De%2Af+g7")] // Python quote_plus with safe="/"
    [InlineData("vault-Ab%2Fc%2Bd%3De%2Af+g7")] // Python quote_plus, Go url.QueryEscape
    [InlineData("vault-Ab%2Fc+d=e%2Af%20g7")] // Go url.PathEscape
    [InlineData("vault-Ab/c%2bd=e*f+g7")] // a mix of percent-encoded and plain characters, + for the space
    [InlineData("vault-Ab/c+d=e*f+g7")] // + for the space alone
    [InlineData("vault\\-Ab/c\\+d\\=e\\*f g7")] // Markdown escapes
    [InlineData("vault\\\\-Ab/c+d=e\\\\*f g7")] // Markdown escapes inside a JSON string
    [InlineData("\\u0076ault-Ab\\/c+d=e*f\\u0020g7")] // JSON \uXXXX escapes of ordinary characters
    [InlineData("vault%5C-Ab%2Fc%5Cu002Bd=e*f g7")] // JSON and Markdown escapes, percent-encoded
    public void Redact_EncodedSpelling_IsReplacedAndCounted(string spelling)
    {
        var counts = Counts(Encodable);

        var redacted = TextRedactor.Redact("key: " + spelling + ".", counts);

        Assert.Equal("key: [REDACTED:credential].", redacted);
        Assert.Equal(1, counts[RedactionKind.Credential]);
    }

    [Fact]
    public void Redact_PercentEncodedEcho_LeavesNoDecodedCredentialInTheCharPool()
    {
        // 63 characters: the reading of the whole text rents from the pool's 64-character arrays, and the pool hands the
        // array this thread gave back last to the next rent of that size on the thread.
        const string Text = "key: vault-Ab%2Fc%2Bd%3De%2Af+g7 and nothing more to read here.";
        var counts = Counts(Encodable);

        var redacted = TextRedactor.Redact(Text, counts);

        var rented = ArrayPool<char>.Shared.Rent(Text.Length);
        try
        {
            Assert.StartsWith("key: [REDACTED:credential]", redacted, StringComparison.Ordinal);
            Assert.DoesNotContain("vault-Ab/c", new string(rented), StringComparison.Ordinal);
        }
        finally
        {
            ArrayPool<char>.Shared.Return(rented);
        }
    }

    [Theory]
    [InlineData("vault-Ab/c+d=e*f")]
    [InlineData("vault-Ab%2Fc%2Bd%3De%2Af+g")]
    [InlineData("vault\\-Ab/c\\+d\\=e\\*f g")]
    [InlineData("vault-Ab/c+d=e*f g8")]
    [InlineData("vault-Ab/c+d=e*f%20g%3")]
    public void Redact_TextSharingOnlyAPrefixOfAnEncodedSpelling_IsNotReplaced(string text)
    {
        var counts = Counts(Encodable);

        Assert.Equal("key: " + text + ".", TextRedactor.Redact("key: " + text + ".", counts));
        Assert.Equal(0, counts[RedactionKind.Credential]);
    }

    [Theory]
    [InlineData("vault-Ab/c%2Bd%3De%2Af%20g7")]
    [InlineData("vault\\\\-Ab/c+d=e\\\\*f g7")]
    [InlineData("\\u0076ault-Ab\\/c+d=e*f\\u0020g7")]
    [InlineData("vault%5C-Ab%2Fc%5Cu002Bd=e*f g7")]
    public void StreamingText_EncodedSpellingSplitAtEveryCharacter_NeverPassesAndTheRestDoes(string spelling)
    {
        var text = "before " + spelling + " after";
        for (var cut = 1; cut < text.Length; cut++)
        {
            var counts = Counts(Encodable);
            var redactor = new StreamingTextRedactor(counts);
            var output = new StringBuilder();
            redactor.Write(text.AsSpan(0, cut), output);
            redactor.Write(text.AsSpan(cut), output);
            redactor.Complete(output);

            Assert.Equal("before [REDACTED:credential] after", output.ToString());
        }
    }

    [Theory]
    [InlineData("vault-Ab%2Fc+d=e%2Af%20g7")]
    [InlineData("vault\\-Ab/c\\+d\\=e\\*f g7")]
    [InlineData("{\"k\":\"\\u0076ault-Ab/c+d=e*f g7\"}")]
    public async Task EchoContent_EncodedSpellingReadInPiecesOfEverySize_IsReplaced(string spelling)
    {
        var spellings = CredentialSpellings.Of(Encodable)!;
        var body = "you sent " + spelling + " ok";
        var expected = "you sent " + (spelling.StartsWith('{') ? "{\"k\":\"[REDACTED:credential]\"}" : "[REDACTED:credential]") + " ok";
        for (var piece = 1; piece <= body.Length; piece++)
        {
            using var content = CredentialEchoContent.Of(new StreamContent(new TrickleStream(Encoding.UTF8.GetBytes(body), piece)), spellings);

            Assert.Equal(expected, await content.ReadAsStringAsync());
        }
    }

    [Fact]
    public void Redact_ShortCredential_IsNotLookedFor()
    {
        var counts = Counts("abc123");

        Assert.Equal("abc123 stays", TextRedactor.Redact("abc123 stays", counts));
        Assert.Equal(0, counts.Total);
    }

    [Fact]
    public void JsonRedactor_EscapedValueAndMemberName_AreRedacted()
    {
        var counts = Counts();

        var json = Encoding.UTF8.GetString(JsonRedactor.Redact("""{"a":"\u0065cho+cred/Secret=42&x<y>","echo+cred/Secret=42&x<y>":1}"""u8, counts));

        Assert.Equal("""{"a":"[REDACTED:credential]","[REDACTED:credential]":1}""", json);
        Assert.Equal(2, counts[RedactionKind.Credential]);
    }

    [Fact]
    public void StreamingText_CredentialSplitAtEveryCharacter_NeverPassesAndTheRestDoes()
    {
        var longSecret = "L" + new string('q', 700) + "!end";
        foreach (var secret in new[] { Secret, longSecret })
        {
            var text = "before " + secret + " after";
            for (var cut = 1; cut < text.Length; cut++)
            {
                var counts = Counts(secret);
                var redactor = new StreamingTextRedactor(counts);
                var output = new StringBuilder();
                redactor.Write(text.AsSpan(0, cut), output);
                redactor.Write(text.AsSpan(cut), output);
                redactor.Complete(output);

                Assert.Equal("before [REDACTED:credential] after", output.ToString());
            }
        }
    }

    [Fact]
    public void Sse_CredentialSplitAcrossStreamedDeltas_IsRedactedAsOneValue()
    {
        var counts = Counts();
        var events = new[] { "key " + Secret[..4], Secret[4..9], Secret[9..] + " done" }.Select(p => Encoding.UTF8.GetBytes(SseRedaction.Delta(p))).ToArray();

        var sse = SseRedaction.Run(counts, events);

        Assert.Equal("key [REDACTED:credential] done", string.Concat(SseRedaction.Contents(sse)));
        Assert.Equal(1, counts[RedactionKind.Credential]);
    }

    [Fact]
    public void JsonBody_UnreadableJsonFallsBackToText_StillRedactsTheCredential()
    {
        var counts = Counts();
        var redactor = BodyRedactors.For("application/json", counts);
        var output = new ArrayBufferWriter<byte>();

        redactor.Write(Encoding.UTF8.GetBytes("not json " + Secret), output);
        redactor.Complete(output);

        Assert.Equal("not json [REDACTED:credential]", Encoding.UTF8.GetString(output.WrittenSpan));
    }

    private const string Base64Secret = "tok_>>>?~secret~>?<8";

    private const string Marker = "[REDACTED:credential]";

    [Theory]
    [InlineData("svc-user:Pa55w0rd~s3cr3t", "")] // a Basic pair credential, echoed as the header it was sent as
    [InlineData(Base64Secret, "alice:")] // a password inside the echoed pair: the value at each of the three alignments
    [InlineData(Base64Secret, "bob:")]
    [InlineData(Base64Secret, "user:")]
    public void Read_Base64EchoRedacted(string credential, string user)
    {
        var counts = Counts(credential);
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(user + credential));

        var json = Read(counts, "application/json", "{\"headers\":{\"Authorization\":\"Basic " + encoded + "\"}}");

        // Of the user's characters, those that hold none of the credential's bits stay.
        var expected = "Basic " + encoded[..(((8 * user.Length) + 5) / 6)] + Marker;
        Assert.Equal(expected, JsonDocument.Parse(json).RootElement.GetProperty("headers").GetProperty("Authorization").GetString());
        Assert.Equal(1, counts[RedactionKind.Credential]);
    }

    [Fact]
    public void Read_BasicCredentialEchoedDecodedRedacted()
    {
        var counts = Counts("Basic " + Convert.ToBase64String(Encoding.UTF8.GetBytes("svc-user:Pa55w0rd~s3cr3t")));

        Assert.Equal("you are " + Marker, Text(Read(counts, "text/plain", "you are svc-user:Pa55w0rd~s3cr3t")));
        Assert.Equal(1, counts[RedactionKind.Credential]);
    }

    [Fact]
    public void Read_Base64UrlAtEveryOffsetRedacted()
    {
        var value = Encoding.UTF8.GetBytes(Base64Secret);
        foreach (var before in new[] { "", "a", "ab", "abc", "abcd", "abcde" })
        {
            foreach (var after in new[] { "", "z", "yz", "xyz" })
            {
                foreach (var urlSafe in new[] { true, false })
                {
                    var encoded = Convert.ToBase64String([.. Encoding.UTF8.GetBytes(before), .. value, .. Encoding.UTF8.GetBytes(after)]);
                    encoded = urlSafe ? encoded.TrimEnd('=').Replace('+', '-').Replace('/', '_') : encoded;
                    var lead = "jwt-like: aGVhZGVy.";
                    var body = lead + encoded + ".c2lnbmF0dXJl end";
                    var counts = Counts(Base64Secret);

                    var text = Text(Read(counts, "text/plain", body));

                    // What stands either side of the one replacement is the body's own, and none of the characters only the value decides.
                    var at = text.IndexOf(Marker, StringComparison.Ordinal);
                    Assert.True(at >= 0, body);
                    Assert.StartsWith(text[..at], body, StringComparison.Ordinal);
                    Assert.EndsWith(text[(at + Marker.Length)..], body, StringComparison.Ordinal);
                    Assert.True(at <= lead.Length + (((8 * before.Length) + 5) / 6), body);
                    Assert.True(body.Length - (text.Length - at - Marker.Length) >= lead.Length + (8 * (before.Length + value.Length) / 6), body);
                    Assert.Equal(1, counts[RedactionKind.Credential]);
                }
            }
        }
    }

    [Theory]
    [InlineData("vault-Ab\\u00252Fc\\u00252Bd\\u00253De\\u00252Af\\u002520g7")] // percent-encoded, then JSON-escaped (% as \u0025)
    [InlineData("vault-Ab%252Fc%252Bd%253De%252Af%2520g7")] // percent-encoded twice
    [InlineData("vault-Ab%252fc%252bd%253de%252af%2520g7")] // percent-encoded twice, lower-case hex
    [InlineData("vault-Ab%5Cu002Fc%5Cu002Bd%5Cu003De*f g7")] // JSON-escaped, then percent-encoded
    public void Read_StackedEscapeRedacted(string spelling)
    {
        var counts = Counts(Encodable);

        Assert.Equal("key: " + Marker + ".", Text(Read(counts, "text/plain", "key: " + spelling + ".")));
        Assert.Equal(1, counts[RedactionKind.Credential]);
    }

    [Fact]
    public void Read_Base64StackedEscapeRedacted()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes(Base64Secret));
        var json = JsonEncodedText.Encode(encoded, JavaScriptEncoder.Default).Value;
        foreach (var spelling in new[] { json, json.Replace("/", "\\/", StringComparison.Ordinal), Uri.EscapeDataString(encoded), "\\u0064" + encoded[1..] })
        {
            var counts = Counts(Base64Secret);

            var text = Text(Read(counts, "text/plain", "sent " + spelling + " ok"));

            Assert.StartsWith("sent " + Marker, text, StringComparison.Ordinal);
            Assert.True(text.Length - ("sent " + Marker + " ok").Length <= 4, text); // at most the last character and its padding
            Assert.Equal(1, counts[RedactionKind.Credential]);
        }
    }

    [Fact]
    public void Read_Base64SplitAcrossChunksRedacted()
    {
        var encoded = Convert.ToBase64String(Encoding.UTF8.GetBytes("user:" + Base64Secret));
        var echo = "auth Basic " + encoded + " done";
        for (var cut = 1; cut < echo.Length; cut++)
        {
            var counts = Counts(Base64Secret);
            var body = SseRedaction.Delta(echo[..cut]) + SseRedaction.Delta(echo[cut..]);

            var text = string.Concat(SseRedaction.Contents(Text(Read(counts, "text/event-stream", body))));

            Assert.Equal("auth Basic " + encoded[..7] + Marker + " done", text);
            Assert.Equal(1, counts[RedactionKind.Credential]);
        }
    }

    [Theory]
    [InlineData("dG9rXz4+Pj9+c2VjcmV0fj4/PDg=")] // base64
    [InlineData("dG9rXz4\\u002BPj9\\u002Bc2VjcmV0fj4\\/PDg=")] // base64, JSON-escaped
    [InlineData("dG9rXz4-Pj9-c2VjcmV0fj4_PDg")] // base64url
    public void StreamingText_Base64SplitAtEveryCharacter_NeverPasses(string spelling)
    {
        var text = "before " + spelling + " after";
        for (var cut = 1; cut < text.Length; cut++)
        {
            var counts = Counts(Base64Secret);
            var redactor = new StreamingTextRedactor(counts);
            var output = new StringBuilder();
            redactor.Write(text.AsSpan(0, cut), output);
            redactor.Write(text.AsSpan(cut), output);
            redactor.Complete(output);

            Assert.StartsWith("before " + Marker, output.ToString(), StringComparison.Ordinal);
            Assert.EndsWith(" after", output.ToString(), StringComparison.Ordinal);
            Assert.True(output.Length - ("before " + Marker + " after").Length <= 3, output.ToString());
        }
    }

    private static string Read(RedactionCounts counts, string contentType, string body) =>
        Encoding.UTF8.GetString(ConnectorResultReader.Read(ConnectorKind.Http, 200, contentType, Encoding.UTF8.GetBytes(body), null, truncated: false, counts).Json.Span);

    private static string Text(string json) => JsonSerializer.Deserialize<string>(json)!;

    // A stream that returns at most a given number of bytes from each read, as a network gives a body.
    private sealed class TrickleStream(byte[] bytes, int piece) : MemoryStream(bytes)
    {
        public override int Read(byte[] buffer, int offset, int count) => base.Read(buffer, offset, Math.Min(count, piece));

        public override int Read(Span<byte> buffer) => base.Read(buffer[..Math.Min(buffer.Length, piece)]);

        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
            base.ReadAsync(buffer[..Math.Min(buffer.Length, piece)], cancellationToken);

        public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            base.ReadAsync(buffer, offset, Math.Min(count, piece), cancellationToken);
    }
}
