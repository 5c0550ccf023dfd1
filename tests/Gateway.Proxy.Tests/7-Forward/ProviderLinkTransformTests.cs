using Gateway.Proxy.Forward;
using Microsoft.Extensions.Primitives;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>
/// <see cref="ProviderLinkTransform.Rewrite"/> on its own: which links of an upstream's <c>Link</c> header stay, rewritten
/// under <c>/providers/gh</c>, and when the header goes whole (the route itself: <see cref="ProviderLinkHeaderTests"/>).
/// </summary>
public sealed class ProviderLinkTransformTests
{
    private static readonly Uri Requested = new("https://api.example/v3/repos/x/issues?page=1");

    private static readonly Uri[] Bases = [new("https://api.example/v3"), new("https://api-2.example/v3/")];

    [Theory]
    [InlineData("<https://api.example/v3/repos/x/issues?page=2>; rel=\"next\"", "</providers/gh/repos/x/issues?page=2>; rel=\"next\"")]
    [InlineData("<https://API.example:443/v3/a>;rel=next", "</providers/gh/a>; rel=next")]
    [InlineData("<https://api-2.example/v3/a?b=c#d>; rel=\"next\"", "</providers/gh/a?b=c#d>; rel=\"next\"")]
    [InlineData("<?page=3>; rel=\"next\"", "</providers/gh/repos/x/issues?page=3>; rel=\"next\"")]
    [InlineData("<../y>; rel=\"next\"", "</providers/gh/repos/y>; rel=\"next\"")]
    [InlineData("<https://api.example/v3/a>; rel=\"next\", <https://api.example/v3/b>; rel=\"last\"", "</providers/gh/a>; rel=\"next\", </providers/gh/b>; rel=\"last\"")]
    [InlineData(", <https://api.example/v3/a>; rel=\"next\",, ", "</providers/gh/a>; rel=\"next\"")]
    public void Rewrite_LinkUnderABase_IsRewrittenUnderTheRoute(string header, string expected)
    {
        Assert.Equal(expected, ProviderLinkTransform.Rewrite(header, Requested, Bases, "/providers/gh"));
    }

    [Fact]
    public void Rewrite_SeveralFieldValues_KeepsTheLinksOfEach()
    {
        var header = new StringValues(["<https://api.example/v3/a>; rel=\"next\"", "<https://elsewhere.example/b>; rel=\"help\", <https://api.example/v3/c>; rel=\"last\""]);

        Assert.Equal("</providers/gh/a>; rel=\"next\", </providers/gh/c>; rel=\"last\"", ProviderLinkTransform.Rewrite(header, Requested, Bases, "/providers/gh"));
    }

    [Theory]
    [InlineData("<https://elsewhere.example/v3/a>; rel=\"next\"")]
    [InlineData("<http://api.example/v3/a>; rel=\"next\"")]
    [InlineData("<https://api.example:8443/v3/a>; rel=\"next\"")]
    [InlineData("<https://user@api.example/v3/a>; rel=\"next\"")]
    [InlineData("<https://api.example/v3x/a>; rel=\"next\"")]
    [InlineData("<https://api.example/v3/../admin>; rel=\"next\"")]
    [InlineData("</admin>; rel=\"next\"")]
    [InlineData("<ftp://api.example/v3/a>; rel=\"next\"")]
    [InlineData("<https://api.example/v3/a>; rel=\"next\"; anchor=\"https://api.example/v3/b\"")]
    public void Rewrite_LinkOutsideEveryBase_IsDropped(string header)
    {
        Assert.Null(ProviderLinkTransform.Rewrite(header, Requested, Bases, "/providers/gh"));
    }

    [Theory]
    [InlineData("<https://api.example/v3/a>; rel=\"https://api.internal.example/rels/next\"; title=\"https://10.0.4.7:8443/v1/items\"", "</providers/gh/a>")]
    [InlineData("<https://api.example/v3/a>; rel=\"next https://api.internal.example/rels/x urn:x:y\"; title=t; hreflang=en; type=\"application/json\"", "</providers/gh/a>; rel=\"next\"; type=\"application/json\"")]
    [InlineData("<https://api.example/v3/a>; REL=next; type=\"https://10.0.4.7/x\"; rel=\"https://10.0.4.7/y\"; title*=UTF-8'en'https%3A%2F%2F10.0.4.7", "</providers/gh/a>; rel=next")]
    public void Rewrite_ParameterNamingAnUpstreamUrl_IsNotPassedOn(string header, string expected)
    {
        var rewritten = ProviderLinkTransform.Rewrite(header, Requested, Bases, "/providers/gh");

        Assert.Equal(expected, rewritten);
        Assert.DoesNotContain("internal", rewritten, StringComparison.Ordinal);
        Assert.DoesNotContain("10.0.4.7", rewritten, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("<https://api.example/v3/a; rel=\"next\"")]
    [InlineData("https://api.example/v3/a; rel=\"next\"")]
    [InlineData("<https://api.example/v3/a>; rel=\"next")]
    [InlineData("<https://api.example/v3/a>; =next")]
    [InlineData("<https://api.example/v3/a> rel=next")]
    [InlineData("<https://api.example/v3/a>; rel=\"next\", <https://api.example/v3/<b>; rel=last")]
    [InlineData("<https://api.example/v3/a b>; rel=next")]
    public void Rewrite_HeaderThatDoesNotParse_IsRemovedWhole(string header)
    {
        Assert.Null(ProviderLinkTransform.Rewrite(new StringValues(["<https://api.example/v3/ok>; rel=\"first\"", header]), Requested, Bases, "/providers/gh"));
    }
}
