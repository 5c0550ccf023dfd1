using System.Text;
using System.Text.RegularExpressions;
using Gateway.Connectors.Redaction;

namespace Gateway.Connectors.Tests;

/// <summary>
/// The redactor picks a pattern without the e-mail alternative for text with no <c>@</c>: it must find
/// exactly what the full pattern finds there, and the full pattern must still be used when an <c>@</c> is present.
/// </summary>
public sealed class SensitivePatternsTests
{
    private const int Seed = 20261123;

    private static readonly string[] Secrets =
    [
        Samples.OpenAiKey, Samples.AnthropicKey, Samples.AwsKey, Samples.GitHubToken, Samples.SlackToken, Samples.GoogleKey,
        Samples.Jwt, Samples.Bearer, Samples.PrivateKey, Samples.Card, Samples.CardDashed, "4111.1111.1111.1111", "378282246310005",
    ];

    private static readonly string[] Filler =
    [
        "{\"id\":\"chatcmpl-123\",\"object\":\"chat.completion.chunk\",\"created\":1694268190}", " the quick brown fox ",
        "data: {\"delta\":{\"content\":\"Hello\"}}\n\n", "1234567890123", "\\n", "eyJ", "sk-", "Bearer", "-----", " 4111 ", "ghp_x", "12 34 56", "prose without a key",
    ];

    [Fact]
    public void For_TextWithoutAt_FindsWhatTheFullPatternFinds()
    {
        var random = new Random(Seed);
        for (var i = 0; i < 300; i++)
        {
            var builder = new StringBuilder();
            for (var part = random.Next(1, 12); part > 0; part--)
            {
                builder.Append(random.Next(3) == 0 ? Secrets[random.Next(Secrets.Length)] : Filler[random.Next(Filler.Length)]);
            }

            var text = builder.ToString();
            var withoutAt = TextRedactor.Redact(text, new RedactionCounts());
            // The same text followed by an "@" goes through the full pattern; the "@" alone matches nothing.
            var withAt = TextRedactor.Redact(text + " @", new RedactionCounts());

            Assert.Equal(withAt, withoutAt + " @");
        }
    }

    [Fact]
    public void For_SecretsAfterEveryKindOfBoundary_MatchesWhatEachAlternativesOwnBoundaryMatches()
    {
        // The pattern tests the boundary its alternatives share once, up front; each alternative keeps its own.
        var reference = new Regex(SensitivePatterns.EachBoundaryPattern, RegexOptions.CultureInvariant | RegexOptions.ExplicitCapture);
        string[] secrets = [.. Secrets, Samples.Email, "first.last+tag@example.co.uk", "eyJ", "sk-", "AKIA", "2223 0031 2200 3222"];
        string[] before = ["", " ", "x", "9", "_", "\\", "\\n", "\\t", "\\r", "a\\n", "+", "/", "-", ".", "%", "@", "\"", ":", "\u00A0", "\u00e9"];
        var random = new Random(Seed);
        var compared = 0;
        for (var i = 0; i < 2000; i++)
        {
            var builder = new StringBuilder();
            for (var part = random.Next(1, 8); part > 0; part--)
            {
                builder.Append(before[random.Next(before.Length)]);
                builder.Append(random.Next(2) == 0 ? secrets[random.Next(secrets.Length)] : Filler[random.Next(Filler.Length)]);
            }

            var text = builder.ToString();
            var expected = reference.Matches(text).Select(static m => (m.Index, m.Length)).ToArray();
            var actual = SensitivePatterns.For(text).Matches(text).Select(static m => (m.Index, m.Length)).ToArray();

            Assert.Equal(expected, actual);
            compared += expected.Length;
        }

        Assert.True(compared > 1000, $"only {compared} matches compared");
    }

    [Theory]
    [InlineData("Summarise the following notes. xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx")]
    [InlineData("The order ships on Monday; ask the desk about returns, order 1042 of 2026-11-26.")]
    [InlineData("skip the risk, bear with the keys: sk akia ghp gh_ xo-x eyj -----END PRIVATE KEY-----")]
    public void MayMatchWithoutEmail_TextNoAlternativeCanMatch_IsFalseAndNothingMatches(string text)
    {
        Assert.False(SensitivePatterns.MayMatchWithoutEmail(text));
        Assert.DoesNotMatch(SensitivePatterns.For(text), text);
        Assert.DoesNotMatch(new Regex(SensitivePatterns.EachBoundaryPattern, RegexOptions.CultureInvariant), text);
    }

    [Fact]
    public void MayMatchWithoutEmail_EverySecretSampleAndThirteenDigits_IsTrue()
    {
        string[] samples = [.. Secrets, "BEARER " + Samples.OpenAiKey, "sk_live_" + new string('a', 16), "rk_test_" + new string('b', 16),
            "ASIA" + new string('Q', 16), "github_pat_" + new string('c', 22), "glpat-" + new string('d', 20), "hf_" + new string('e', 30)];
        foreach (var sample in samples)
        {
            Assert.True(SensitivePatterns.MayMatchWithoutEmail(sample), sample);
            Assert.Matches(SensitivePatterns.For(sample), sample);
        }

        Assert.False(SensitivePatterns.MayMatchWithoutEmail("room 1234, desk 5678, ext 12"));
        Assert.True(SensitivePatterns.MayMatchWithoutEmail("room 1234, desk 5678, ext 12345"));
    }

    [Fact]
    public void For_TextWithAt_StillRedactsEmail()
    {
        var counts = new RedactionCounts();

        var output = TextRedactor.Redact("write to " + Samples.Email + " with " + Samples.AwsKey, counts);

        Assert.Equal("write to [REDACTED:email] with [REDACTED:api_key]", output);
        Assert.Equal(1, counts[RedactionKind.Email]);
        Assert.Equal(1, counts[RedactionKind.ApiKey]);
    }

    [Fact]
    public void KindOf_EveryKindInMixedText_IsTheKindItsGroupNames()
    {
        var random = new Random(Seed);
        var seen = new HashSet<RedactionKind>();
        string[] secrets = [.. Secrets, Samples.Email, "\\n" + Samples.Bearer, "\\t" + Samples.Jwt, "first.last+tag@example.co.uk"];
        for (var i = 0; i < 300; i++)
        {
            var builder = new StringBuilder();
            for (var part = random.Next(1, 12); part > 0; part--)
            {
                builder.Append(random.Next(3) == 0 ? secrets[random.Next(secrets.Length)] : Filler[random.Next(Filler.Length)]);
            }

            var text = builder.ToString();
            foreach (System.Text.RegularExpressions.Match match in SensitivePatterns.For(text).Matches(text))
            {
                var kind = SensitivePatterns.KindOf(match);
                Assert.Equal(SensitivePatterns.KindOfGroups(match), kind);
                seen.Add(kind);
            }
        }

        // Every kind the patterns find: the injected credential is looked for by its spellings, not by a pattern.
        Assert.Equal(RedactionKindNames.All.Count(k => k != RedactionKind.Credential), seen.Count);
    }

    [Fact]
    public void TryRedact_RandomMixedText_WritesAndCountsWhatRedactDoes()
    {
        var random = new Random(Seed);
        for (var i = 0; i < 300; i++)
        {
            var builder = new StringBuilder();
            for (var part = random.Next(1, 12); part > 0; part--)
            {
                var pick = random.Next(4);
                builder.Append(pick == 0 ? Secrets[random.Next(Secrets.Length)] : pick == 1 ? Samples.Email : Filler[random.Next(Filler.Length)]);
            }

            var text = builder.ToString();
            var expectedCounts = new RedactionCounts();
            var expected = TextRedactor.Redact(text, expectedCounts);
            var counts = new RedactionCounts();
            var destination = new char[4 * text.Length + 64];

            var written = TextRedactor.TryRedact(text, destination, counts);

            Assert.Equal(expected, new string(destination, 0, written));
            Assert.Equal(expectedCounts.ToDictionary(), counts.ToDictionary());
        }
    }

    [Fact]
    public void TryRedact_ResultLargerThanTheDestination_WritesAndCountsNothing()
    {
        var counts = new RedactionCounts();
        var text = "mail " + Samples.Email;

        var redactedLength = TextRedactor.Redact(text, new RedactionCounts()).Length;

        var written = TextRedactor.TryRedact(text, new char[redactedLength - 1], counts);

        Assert.Equal(-1, written);
        Assert.Equal(0, counts.Total);
    }

    [Fact]
    public void TryRedact_MoreRedactionsThanItTakes_WritesAndCountsNothing()
    {
        var counts = new RedactionCounts();
        var text = string.Join(' ', Enumerable.Repeat(Samples.Email, TextRedactor.MaxSpanMatches + 1));

        var written = TextRedactor.TryRedact(text, new char[4 * text.Length], counts);

        Assert.Equal(-1, written);
        Assert.Equal(0, counts.Total);
        Assert.Equal(TextRedactor.MaxSpanMatches + 1, Count(TextRedactor.Redact(text, counts), "[REDACTED:email]"));
    }

    private static int Count(string text, string part) => (text.Length - text.Replace(part, string.Empty, StringComparison.Ordinal).Length) / part.Length;
}
