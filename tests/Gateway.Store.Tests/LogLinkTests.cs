using System.Text;

namespace Gateway.Store.Tests;

/// <summary>An audit record goes only after the record carrying the hash it names as its previous one.</summary>
public sealed class LogLinkTests
{
    private const string Last = """{"seq":7,"prev_hash":"0a0b","hash":"c0ffee","agent":"a"}""";

    [Fact]
    public void Follows_NextNamesTheLastHash_IsTrue()
    {
        Assert.True(Follows(Last, """{"seq":8,"prev_hash":"c0ffee","hash":"d00d"}"""));
    }

    [Fact]
    public void Follows_NextNamesTheLastPreviousHash_IsFalse()
    {
        // The last record's own previous hash is not its hash: a group sealed on the end before it appends nothing.
        Assert.False(Follows(Last, """{"seq":8,"prev_hash":"0a0b","hash":"d00d"}"""));
    }

    [Theory]
    [InlineData("c0ffe")]
    [InlineData("c0ffee0")]
    [InlineData("ffee")]
    public void Follows_NextNamesAHashThatOnlyOverlapsTheLast_IsFalse(string named)
    {
        Assert.False(Follows(Last, $$"""{"seq":8,"prev_hash":"{{named}}","hash":"d00d"}"""));
    }

    [Fact]
    public void Follows_LastCarriesTheHashAfterAnotherHashField_IsTrue()
    {
        var last = """{"receipt":{"hash":"aaaa"},"hash":"c0ffee"}""";

        Assert.True(Follows(last, """{"prev_hash":"c0ffee"}"""));
    }

    [Theory]
    [InlineData("""{"seq":1,"agent":"a"}""")]
    [InlineData("""{"prev_hash":"","hash":"d00d"}""")]
    public void Follows_NextNamesNoPreviousHash_IsTrue(string next)
    {
        Assert.True(Follows(Last, next));
    }

    private static bool Follows(string last, string next) => LogLink.Follows(Encoding.UTF8.GetBytes(last), Encoding.UTF8.GetBytes(next));
}
