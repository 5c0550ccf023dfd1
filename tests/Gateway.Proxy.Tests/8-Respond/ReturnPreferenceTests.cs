using Gateway.Proxy.Respond;
using Microsoft.Extensions.Primitives;

namespace Gateway.Proxy.Tests.Respond;

/// <summary>The RFC 7240 <c>Prefer</c> fields that ask for the compact answer, and the ones that do not (malformed ones included).</summary>
public sealed class ReturnPreferenceTests
{
    [Theory]
    [InlineData("return=minimal")]
    [InlineData("Return=Minimal")]
    [InlineData("  return = minimal  ")]
    [InlineData("return=\"minimal\"")]
    [InlineData("respond-async, return=minimal")]
    [InlineData("return=minimal; foo=\"a, b\"; bar, wait=5")]
    [InlineData("return=minimal;;")]
    [InlineData(",, return=minimal ,")]
    [InlineData("return=minimal, return=representation")]
    [InlineData("handling=\"le\\\"nient\", return=minimal")]
    public void IsMinimal_MinimalFirstReturn_True(string prefer) => Assert.True(ReturnPreference.IsMinimal(new StringValues(prefer)));

    [Theory]
    [InlineData("")]
    [InlineData("return=representation")]
    [InlineData("return=representation, return=minimal")]
    [InlineData("return")]
    [InlineData("return=")]
    [InlineData("return=minimal junk")]
    [InlineData("return=minimal; =x")]
    [InlineData("return=\"minimal")]
    [InlineData("return=minimalist")]
    [InlineData("returns=minimal")]
    [InlineData("return=minimal, wait=")]
    [InlineData("return=minimal, @")]
    [InlineData("return:minimal")]
    [InlineData("return=mini\u00e9mal")]
    [InlineData("return=\"minimal\u0001\"")]
    public void IsMinimal_AnythingElse_False(string prefer) => Assert.False(ReturnPreference.IsMinimal(new StringValues(prefer)));

    [Fact]
    public void IsMinimal_SeveralFields_OneListWhoseFirstReturnCounts()
    {
        Assert.True(ReturnPreference.IsMinimal(new StringValues(["respond-async", "return=minimal"])));
        Assert.False(ReturnPreference.IsMinimal(new StringValues(["return=representation", "return=minimal"])));
        Assert.False(ReturnPreference.IsMinimal(new StringValues(["return=minimal", "wait=="])));
        Assert.False(ReturnPreference.IsMinimal(StringValues.Empty));
    }
}
