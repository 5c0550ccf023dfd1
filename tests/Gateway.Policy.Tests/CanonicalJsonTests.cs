using System.Text.Json;
using Gateway.Policy.Canonical;

namespace Gateway.Policy.Tests;

public sealed class CanonicalJsonTests
{
    [Fact]
    public void WriteElement_NestedObjects_SortsKeysAndDropsWhitespace()
    {
        var canonical = CanonicalText.Of("""{ "b": 1, "a": { "z": [3, 2, {"y": true, "x": null}], "c": "s" } }""");

        Assert.Equal("""{"a":{"c":"s","z":[3,2,{"x":null,"y":true}]},"b":1}""", canonical);
    }

    [Fact]
    public void WriteElement_Numbers_KeepsSourceForm()
    {
        Assert.Equal("""[1.50,1e3,-0,100000000000000000000001]""", CanonicalText.Of("[1.50, 1e3, -0, 100000000000000000000001]"));
    }

    [Fact]
    public void WriteElement_EscapedStrings_NormalisesEscapes()
    {
        Assert.Equal("[\"A/é\\n\\u0001\\\"\"]", CanonicalText.Of("[\"\\u0041\\/\\u00e9\\n\\u0001\\\"\"]"));
    }

    [Fact]
    public void WriteElement_EscapedKeys_SortByUnescapedName()
    {
        Assert.Equal("""{"a":1,"b":2}""", CanonicalText.Of("""{"\u0062":2,"a":1}"""));
    }

    [Fact]
    public void WriteElement_DuplicateMemberNames_AreRefused()
    {
        Assert.Throws<FormatException>(() => CanonicalText.Of("""{"a":1,"\u0061":2}"""));
    }

    [Theory]
    [InlineData(3)]
    [InlineData(40)]
    public void WriteElement_ObjectsSmallAndLarge_SortedAndDuplicatesRefused(int members)
    {
        var names = Enumerable.Range(0, members).Select(i => $"k{(i * 7919) % members:D3}").ToList();
        var json = "{" + string.Join(",", names.Select(n => $"\"{n}\":1")) + "}";

        Assert.Equal("{" + string.Join(",", names.Order(StringComparer.Ordinal).Select(n => $"\"{n}\":1")) + "}", CanonicalText.Of(json));
        Assert.Throws<FormatException>(() => CanonicalText.Of(json[..^1] + $",\"{names[members / 2]}\":2}}"));
    }

    [Fact]
    public void WriteElement_EscapedLoneSurrogate_IsRefused()
    {
        Assert.Throws<FormatException>(() => CanonicalText.Of("""["\ud800 alone"]"""));
    }

    [Fact]
    public void WriteString_LoneSurrogate_IsRefusedNotReplaced()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();

        Assert.ThrowsAny<ArgumentException>(() => new CanonicalJsonWriter(buffer).WriteString("broken \ud800 text"));
    }

    [Fact]
    public void Compute_IntentDigest_IsStableUnderArgumentKeyOrder()
    {
        using var first = JsonDocument.Parse("""{"to":"x@example.com","amount":10,"meta":{"b":1,"a":2}}""");
        using var second = JsonDocument.Parse("""{ "meta": {"a":2,"b":1}, "amount": 10, "to": "x@example.com" }""");

        Assert.Equal(IntentDigest.Compute(Fields(first.RootElement)), IntentDigest.Compute(Fields(second.RootElement)));
    }

    [Fact]
    public void Compute_IntentDigest_ChangesWithArguments()
    {
        using var first = JsonDocument.Parse("""{"amount":10}""");
        using var second = JsonDocument.Parse("""{"amount":11}""");

        Assert.NotEqual(IntentDigest.Compute(Fields(first.RootElement)), IntentDigest.Compute(Fields(second.RootElement)));
        Assert.Matches("^[0-9a-f]{64}$", IntentDigest.Compute(Fields(first.RootElement)));
    }

    private static IntentFields Fields(JsonElement args)
        => new("t", "w", "a", "tool", ActionType.Write, "crm", DataClassSet.Pii, DeploymentEnvironment.Prod, false, ActionImpact.High, args, null);
}
