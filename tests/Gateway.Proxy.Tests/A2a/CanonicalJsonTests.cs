using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Gateway.Policy.Canonical;
using Gateway.Policy.Evidence;
using Gateway.Proxy.A2a;

namespace Gateway.Proxy.Tests.A2a;

/// <summary>RFC 8785 as an A2A card signature needs it, and the gateway's own card signature verifying under its receipt key.</summary>
public sealed class CanonicalJsonTests
{
    [Fact]
    public void Serialize_SortsMembersByUtf16AndDropsWhitespace()
    {
        using var document = JsonDocument.Parse("{ \"b\": [1, true, null], \"a\": { \"z\": \"x\", \"\u00e9\": 1, \"A\": 2 } }");

        Assert.Equal("{\"a\":{\"A\":2,\"z\":\"x\",\"\u00e9\":1},\"b\":[1,true,null]}", Encoding.UTF8.GetString(CanonicalJson.Rfc8785(document.RootElement)));
    }

    [Theory]
    [InlineData("1.0", "1")]
    [InlineData("-0", "0")]
    [InlineData("1e21", "1e+21")]
    [InlineData("1e-7", "1e-7")]
    [InlineData("0.000001", "0.000001")]
    [InlineData("123456789012345680000", "123456789012345680000")]
    [InlineData("4.5", "4.5")]
    [InlineData("2e-3", "0.002")]
    public void Serialize_Numbers_AsEcmaScriptWritesThem(string json, string canonical)
    {
        using var document = JsonDocument.Parse(json);

        Assert.Equal(canonical, Encoding.UTF8.GetString(CanonicalJson.Rfc8785(document.RootElement)));
    }

    [Fact]
    public void Serialize_Strings_EscapedAsJsonStringify()
    {
        using var document = JsonDocument.Parse("\"a\\u0001\\n\\\"\\\\/\\u20ac\"");

        Assert.Equal("\"a\\u0001\\n\\\"\\\\/\u20ac\"", Encoding.UTF8.GetString(CanonicalJson.Rfc8785(document.RootElement)));
    }

    [Fact]
    public void Payload_LeavesOutMembersOutsideTheV1CardAndEmptyValues_KeepsFalse()
    {
        var card = new JsonObject
        {
            ["name"] = "Helper",
            ["url"] = "http://agent/a2a",
            ["description"] = "",
            ["capabilities"] = new JsonObject { ["streaming"] = true, ["pushNotifications"] = false },
            ["skills"] = new JsonArray(new JsonObject { ["id"] = "s", ["tags"] = new JsonArray() }),
            ["defaultInputModes"] = new JsonArray(),
            ["signatures"] = new JsonArray(new JsonObject { ["protected"] = "x" }),
        };

        Assert.Equal("{\"capabilities\":{\"pushNotifications\":false,\"streaming\":true},\"name\":\"Helper\",\"skills\":[{\"id\":\"s\"}]}", Encoding.UTF8.GetString(AgentCardSignatures.Payload(card)));
    }

    [Fact]
    public void Sign_ThenRefusalOf_UnderTheSameKeyPinned_Verifies_AndATamperedCardDoesNot()
    {
        var ring = ReceiptKeyRing.Generate(DateTimeOffset.UtcNow);
        var card = new JsonObject { ["name"] = "Helper", ["skills"] = new JsonArray(new JsonObject { ["id"] = "summarize" }) };
        AgentCardSignatures.Sign(card, ring.Active);
        var jwk = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + ring.Active.X + "\",\"y\":\"" + ring.Active.Y + "\"}";

        Assert.Null(AgentCardSignatures.RefusalOf(card, jwk));
        card["name"] = "Helper (changed)";
        Assert.NotNull(AgentCardSignatures.RefusalOf(card, jwk));
        Assert.NotNull(AgentCardSignatures.RefusalOf(card, pinnedJwk: null));
    }

    [Theory]
    [InlineData("\"name\":\"\\ud800 alone\"")]
    [InlineData("\"version\":1e400")]
    public void RefusalOf_ASignedCardThatIsNotIJson_IsRefusedNotThrown(string member)
    {
        var ring = ReceiptKeyRing.Generate(DateTimeOffset.UtcNow);
        var card = (JsonObject)JsonNode.Parse("{" + member + ",\"signatures\":[{\"protected\":\"e30\",\"signature\":\"AA\"}]}")!;
        var jwk = "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"" + ring.Active.X + "\",\"y\":\"" + ring.Active.Y + "\"}";

        Assert.Contains("I-JSON", AgentCardSignatures.RefusalOf(card, jwk), StringComparison.Ordinal);
    }
}
