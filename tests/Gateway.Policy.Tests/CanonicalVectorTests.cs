using System.Text.Json;
using Gateway.Policy.Canonical;

namespace Gateway.Policy.Tests;

/// <summary>
/// Canonical JSON and intent digests are pinned: Fixtures/canonical-vectors.json was recorded with the
/// writer as it was before the audit journal and the policy shared one canonical writer, so a change to
/// the canonical bytes (and so to every intent digest that approvals and decision tokens bind to) fails here.
/// </summary>
public sealed class CanonicalVectorTests
{
    public static TheoryData<int> Vectors => [.. Enumerable.Range(0, CanonicalVectors.Inputs.Length)];

    [Theory]
    [MemberData(nameof(Vectors))]
    public void WriteElement_RecordedVector_BytesUnchanged(int index)
    {
        var vector = Recorded()[index];
        using var input = JsonDocument.Parse(vector.GetProperty("input").GetString()!);

        Assert.Equal(CanonicalVectors.Inputs[index], vector.GetProperty("input").GetString());
        Assert.Equal(vector.GetProperty("canonical").GetString(), CanonicalText.Of(input.RootElement));
    }

    [Theory]
    [MemberData(nameof(Vectors))]
    public void IntentDigest_RecordedVector_DigestUnchanged(int index)
    {
        var vector = Recorded()[index];
        using var input = JsonDocument.Parse(vector.GetProperty("input").GetString()!);
        var digests = vector.GetProperty("intent_digests");

        Assert.Equal(digests[0].GetString(), IntentDigest.Compute(CanonicalVectors.Fields(input.RootElement, 0)));
        Assert.Equal(digests[1].GetString(), IntentDigest.Compute(CanonicalVectors.Fields(input.RootElement, 1)));
    }

    private static JsonElement Recorded()
    {
        using var document = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(AppContext.BaseDirectory, "Fixtures", "canonical-vectors.json")));
        return document.RootElement.Clone();
    }
}
