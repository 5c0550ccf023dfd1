using System.Globalization;
using System.Text;
using System.Text.Json;
using Gateway.Policy.Canonical;

namespace Gateway.Policy.Tests.Canonical;

/// <summary>
/// RFC 8785 (JCS) as <see cref="CanonicalJson.Rfc8785"/> writes it, against the RFC's own examples (§3.2.2, §3.2.3 and
/// the number vectors of Appendix B), beside the gateway's own canonical form, which keeps sorting by UTF-8 bytes.
/// </summary>
public sealed class Rfc8785Tests
{
    [Fact]
    public void Rfc8785_Section322Example_IsWrittenAsTheRfcWritesIt()
    {
        const string input = """{ "numbers": [333333333.33333329, 1E30, 4.50, 2e-3, 0.000000000000000000000000001], "string": "\u20ac$\u000F\u000aA'\u0042\u0022\u005c\\\"\/", "literals": [null, true, false] }""";

        Assert.Equal("""{"literals":[null,true,false],"numbers":[333333333.3333333,1e+30,4.5,0.002,1e-27],"string":"€$\u000f\nA'B\"\\\\\"/"}""", Of(input));
    }

    [Fact]
    public void Rfc8785_Section323Example_SortsByUtf16CodeUnits()
    {
        const string input = """{"\u20ac":"Euro Sign","\r":"Carriage Return","\ufb33":"Hebrew Letter Dalet With Dagesh","1":"One","\ud83d\ude00":"Emoji: Grinning Face","\u0080":"Control","\u00f6":"Latin Small Letter O With Diaeresis"}""";

        using var sorted = JsonDocument.Parse(Of(input));

        Assert.Equal(
            ["Carriage Return", "One", "Control", "Latin Small Letter O With Diaeresis", "Euro Sign", "Emoji: Grinning Face", "Hebrew Letter Dalet With Dagesh"],
            sorted.RootElement.EnumerateObject().Select(static m => m.Value.GetString()));
    }

    [Fact]
    public void Rfc8785_UnescapedNamesFromUPlusE000Up_SortAfterSurrogates_WhileTheGatewaysOwnFormKeepsUtf8Order()
    {
        var input = "{\"\uFB33\":1,\"\U0001F600\":2,\"a\":3}";

        Assert.Equal("{\"a\":3,\"\U0001F600\":2,\"\uFB33\":1}", Of(input));
        Assert.Equal("{\"a\":3,\"\uFB33\":1,\"\U0001F600\":2}", CanonicalText.Of(input));
    }

    [Fact]
    public void Rfc8785_LargeObject_SortsByUtf16AndRefusesARepeatedName()
    {
        string[] names = ["\uFB33", "\U0001F600", "\uE000", "\u00f6", .. Enumerable.Range(0, 16).Select(static i => "k" + i.ToString("D2", CultureInfo.InvariantCulture))];
        var json = "{" + string.Join(",", names.Select(static n => $"\"{n}\":1")) + "}";

        Assert.Equal("{" + string.Join(",", names.Order(StringComparer.Ordinal).Select(static n => $"\"{n}\":1")) + "}", Of(json));
        Assert.Throws<FormatException>(() => Of(json[..^1] + ",\"\\ud83d\\ude00\":2}"));
    }

    [Theory]
    [InlineData("0000000000000000", "0")]
    [InlineData("8000000000000000", "0")]
    [InlineData("0000000000000001", "5e-324")]
    [InlineData("8000000000000001", "-5e-324")]
    [InlineData("7fefffffffffffff", "1.7976931348623157e+308")]
    [InlineData("ffefffffffffffff", "-1.7976931348623157e+308")]
    [InlineData("4340000000000000", "9007199254740992")]
    [InlineData("c340000000000000", "-9007199254740992")]
    [InlineData("4430000000000000", "295147905179352830000")]
    [InlineData("44b52d02c7e14af5", "9.999999999999997e+22")]
    [InlineData("44b52d02c7e14af6", "1e+23")]
    [InlineData("44b52d02c7e14af7", "1.0000000000000001e+23")]
    [InlineData("444b1ae4d6e2ef4e", "999999999999999700000")]
    [InlineData("444b1ae4d6e2ef4f", "999999999999999900000")]
    [InlineData("444b1ae4d6e2ef50", "1e+21")]
    [InlineData("3eb0c6f7a0b5ed8c", "9.999999999999997e-7")]
    [InlineData("3eb0c6f7a0b5ed8d", "0.000001")]
    [InlineData("41b3de4355555553", "333333333.3333332")]
    [InlineData("41b3de4355555554", "333333333.33333325")]
    [InlineData("41b3de4355555555", "333333333.3333333")]
    [InlineData("41b3de4355555556", "333333333.3333334")]
    [InlineData("41b3de4355555557", "333333333.33333343")]
    [InlineData("becbf647612f3696", "-0.0000033333333333333333")]
    [InlineData("43143ff3c1cb0959", "1424953923781206.2")]
    public void Rfc8785_AppendixBNumbers_AreWrittenAsEcmaScriptWritesThem(string ieee754, string canonical)
    {
        var number = BitConverter.Int64BitsToDouble(long.Parse(ieee754, NumberStyles.HexNumber, CultureInfo.InvariantCulture));

        Assert.Equal(canonical, Of(number.ToString("R", CultureInfo.InvariantCulture)));
    }

    [Theory]
    [InlineData("""["\ud800 alone"]""")]
    [InlineData("""{"\udc00":1}""")]
    [InlineData("""{"\udc00":1,"b":2}""")]
    [InlineData("""{"a":1,"\u0061":2}""")]
    [InlineData("1e400")]
    [InlineData("[-1e400]")]
    public void Rfc8785_NotIJson_IsRefused(string json)
    {
        Assert.Throws<FormatException>(() => Of(json));
    }

    private static string Of(string json)
    {
        using var document = JsonDocument.Parse(json);
        return Encoding.UTF8.GetString(CanonicalJson.Rfc8785(document.RootElement));
    }
}
