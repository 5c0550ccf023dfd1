using System.Text.Json;
using Gateway.Connectors.Kinds;
using Gateway.Policy;

namespace Gateway.Connectors.Tests.Kinds;

/// <summary>An <c>http</c> entry's arguments spelled two ways (<see cref="ConnectorType.ArgumentsRefusal"/>): the path each refusal names, and no allocation when there is none.</summary>
public sealed class ArgumentSpellingsTests
{
    private static readonly CatalogEntry Entry = new()
    {
        Name = "pay",
        Kind = ConnectorKind.Http,
        ActionType = ActionType.Write,
        Upstream = new Uri("http://pay.test/"),
        Http = new HttpBinding { Method = "POST", Path = "/charge" },
    };

    [Theory]
    [InlineData("""{"a":1,"A":2}""", "A", "a")]
    [InlineData("""{"a_b":1,"a-b":2}""", "a-b", "a_b")]
    [InlineData("""{"p":{"amount":1,"AMOUNT":2}}""", "p.AMOUNT", "amount")]
    [InlineData("""{"lines":[{"sku":"a"},{"sku":"b","SKU":"c"}]}""", "lines[1].SKU", "sku")]
    [InlineData("""[{"x":1},{"y":1,"Y":2}]""", "[1].Y", "y")]
    [InlineData("""{"m":[[{"q":1,"Q":2}]]}""", "m[0][0].Q", "q")]
    [InlineData("""{"to":{"account_id":"a","accountId":"b"}}""", "to.accountId", "account_id")]
    [InlineData("""{"":{"x":1,"X":2}}""", "X", "x")]
    [InlineData("""{"a":{"":{"x":1,"X":2}}}""", "a..X", "x")]
    [InlineData("""{"a":{"[x":1,"[X":2}}""", "a.[X", "[x")]
    [InlineData("""{"a\u0062":1,"AB":2}""", "AB", "ab")]
    [InlineData("{\"kind\":1,\"\u212Aind\":2}", "\u212Aind", "kind")]
    [InlineData("{\"s\":1,\"\u017F\":2}", "\u017F", "s")]
    [InlineData("{\"i\":1,\"\u0130\":2}", "\u0130", "i")]
    [InlineData("{\"\u0131d\":1,\"ID\":2}", "ID", "\u0131d")]
    public void ArgumentsRefusal_SpelledTwoWays_NamesTheSecondSpellingAndItsPath(string args, string name, string other)
    {
        var refusal = Refusal(args);

        Assert.Equal($"connector 'pay': the argument '{name}' is spelled two ways ('{other}'); a server that matches names without case would read the other. Send it once.", refusal);
    }

    [Theory]
    [InlineData("""{"a":1,"b":{"a":2},"c":[{"a":3},{"A":4}]}""")]
    [InlineData("{\"\u00E9\":1,\"\u00C9\":2}")]
    [InlineData("""{"ab":1,"a\u0062c":2}""")]
    [InlineData("""[1,"a",null,{"x":true}]""")]
    public void ArgumentsRefusal_EachSpelledOnce_RefusesNothing(string args)
    {
        Assert.Null(Refusal(args));
    }

    [Fact]
    public void ArgumentsRefusal_ManyNames_FindsTheOneSpelledTwice()
    {
        var names = Enumerable.Range(0, 20).Select(static i => $"\"p{i}\":{i}");

        Assert.Contains("the argument 'P3' is spelled two ways ('p3')", Refusal("{" + string.Join(',', names) + ",\"P3\":0}"), StringComparison.Ordinal);
        Assert.Null(Refusal("{" + string.Join(',', names) + "}"));
    }

    [Fact]
    public void ArgumentsRefusal_EachSpelledOnce_AllocatesNothing()
    {
        using var document = JsonDocument.Parse("""{"account":"a-1","amount":1,"to_account":"b","lines":[{"sku":"a","qty":2},{"sku":"b","qty":1}],"payment":{"currency":"EUR","note":"x"}}""");
        var args = document.RootElement;
        Assert.Null(Entry.Type().ArgumentsRefusal(Entry, args));

        const int Calls = 100;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < Calls; i++)
        {
            Entry.Type().ArgumentsRefusal(Entry, args);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.True(allocated < 1024, $"{allocated} bytes allocated in {Calls} calls");
    }

    private static string? Refusal(string args)
    {
        using var document = JsonDocument.Parse(args);
        return Entry.Type().ArgumentsRefusal(Entry, document.RootElement);
    }
}
