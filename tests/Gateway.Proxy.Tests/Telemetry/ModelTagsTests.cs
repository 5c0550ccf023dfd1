using Gateway.Proxy.Telemetry;

namespace Gateway.Proxy.Tests.Telemetry;

/// <summary>The <c>model</c> tag of the token counts: the model named, while it is a name and its tenant has few; else <c>other</c>.</summary>
public sealed class ModelTagsTests
{
    [Theory]
    [InlineData("gpt-4o", "gpt-4o")]
    [InlineData("llama3:70b", "llama3:70b")]
    [InlineData("accounts/fireworks/models/llama-v3p1-8b-instruct", "accounts/fireworks/models/llama-v3p1-8b-instruct")]
    [InlineData("", ModelTags.Other)]
    [InlineData("gpt 4o", ModelTags.Other)]
    [InlineData("gpt-4o\nfake=\"1\"", ModelTags.Other)]
    public void For_AModelsNameOrNot_IsTaggedSoOrOther(string model, string tag) =>
        Assert.Equal(tag, new ModelTags().For("demo", model));

    [Fact]
    public void For_ANameLongerThanTheBound_IsOther() =>
        Assert.Equal(ModelTags.Other, new ModelTags().For("demo", new string('m', ModelTags.MaxLength + 1)));

    [Fact]
    public void For_MoreModelsThanATenantsBound_AreOtherAndTheFirstKeepTheirTags()
    {
        var tags = new ModelTags();
        var first = Enumerable.Range(0, ModelTags.MaxPerTenant).Select(i => tags.For("demo", "model-" + i)).ToList();

        Assert.Equal(Enumerable.Range(0, ModelTags.MaxPerTenant).Select(i => "model-" + i), first);
        Assert.Equal(ModelTags.Other, tags.For("demo", "model-new"));
        Assert.Equal("model-3", tags.For("demo", "model-3"));
        Assert.Equal("model-new", tags.For("acme", "model-new"));
    }
}
