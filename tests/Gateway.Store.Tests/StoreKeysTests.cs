namespace Gateway.Store.Tests;

public sealed class StoreKeysTests
{
    [Theory]
    [InlineData("team", "4:team")]
    [InlineData("team:ci", "7:team:ci")]
    [InlineData("", "0:")]
    public void LengthPrefixed_Part_IsItsLengthAColonThenItself(string part, string expected)
    {
        Assert.Equal(expected, StoreKeys.LengthPrefixed(part));
    }

    [Fact]
    public void LengthPrefixed_PartsThatSplitDifferently_NeverJoinTheSame()
    {
        // agent "team" on connector "ci:openai" and agent "team:ci" on "openai" join the same with a bare colon.
        Assert.Equal("team" + ":" + "ci:openai", "team:ci" + ":" + "openai");
        Assert.NotEqual(StoreKeys.LengthPrefixed("team") + StoreKeys.LengthPrefixed("ci:openai"), StoreKeys.LengthPrefixed("team:ci") + StoreKeys.LengthPrefixed("openai"));
    }

    [Fact]
    public void A2aTaskRedacted_AnyTask_IsTheKeyStoredFlagsWereWrittenUnder()
    {
        // Flags written before the key had its own entry: the webhook family with the digest marked "redacted-".
        Assert.Equal("gw:{acme}:a2a-task-webhook:agents:redacted-ab12", StoreKeys.A2aTaskRedacted("acme", "agents", "ab12"));
        Assert.NotEqual(StoreKeys.A2aTaskWebhook("acme", "agents", "ab12"), StoreKeys.A2aTaskRedacted("acme", "agents", "ab12"));
    }
}
