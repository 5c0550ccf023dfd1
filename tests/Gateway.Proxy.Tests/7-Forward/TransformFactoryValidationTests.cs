using Gateway.Proxy.Forward;
using Microsoft.Extensions.DependencyInjection;
using Yarp.ReverseProxy.Configuration;
using Yarp.ReverseProxy.Transforms.Builder;

namespace Gateway.Proxy.Tests.Forward;

/// <summary>Each gateway transform factory checks its route values and collects every error, as YARP's own do.</summary>
public sealed class TransformFactoryValidationTests
{
    private static TransformRouteValidationContext Context() =>
        new() { Route = new RouteConfig(), Services = new ServiceCollection().BuildServiceProvider() };

    private static (bool Handled, TransformRouteValidationContext Context) Validate(ITransformFactory factory, Dictionary<string, string> values)
    {
        var context = Context();
        return (factory.Validate(context, values), context);
    }

    [Fact]
    public void Validate_AnotherFactorysKey_NotHandled()
    {
        ITransformFactory[] factories =
        [
            new HeaderAllowlistTransformFactory(), new CredentialInjectionTransformFactory(), new UpstreamEnvelopeTransformFactory(),
            new ProviderBodyTransformFactory(), new GovernedResultTransformFactory(), new McpSessionTransformFactory(),
        ];

        foreach (var factory in factories)
        {
            var (handled, context) = Validate(factory, new() { ["RequestHeader"] = "X-A", ["Set"] = "b" });
            Assert.False(handled, factory.GetType().Name);
            Assert.Empty(context.Errors);
        }
    }

    [Fact]
    public void Validate_HeaderAllowlist_EachBadNameAndEachUnknownKeyIsAnError()
    {
        var (handled, context) = Validate(new HeaderAllowlistTransformFactory(), new()
        {
            [HeaderAllowlistTransformFactory.Key] = "Accept; X Bad ;X-*-Middle;Mcp-Param-*;Bad:Colon",
            ["Extra"] = "x",
        });

        Assert.True(handled);
        Assert.Equal(4, context.Errors.Count);
        Assert.Contains(context.Errors, e => e.Message.Contains("'X Bad'", StringComparison.Ordinal));
        Assert.Contains(context.Errors, e => e.Message.Contains("'X-*-Middle'", StringComparison.Ordinal));
        Assert.Contains(context.Errors, e => e.Message.Contains("'Bad:Colon'", StringComparison.Ordinal));
        Assert.Contains(context.Errors, e => e.Message.Contains("'Extra'", StringComparison.Ordinal));
    }

    [Fact]
    public void Validate_HeaderAllowlist_NoNames_IsAnError()
    {
        var (_, context) = Validate(new HeaderAllowlistTransformFactory(), new() { [HeaderAllowlistTransformFactory.Key] = " ; " });

        Assert.Single(context.Errors);
    }

    [Fact]
    public void Validate_CredentialInjection_BadHeaderSchemeAndReferenceAreThreeErrors()
    {
        var (handled, context) = Validate(new CredentialInjectionTransformFactory(), new()
        {
            [CredentialInjectionTransformFactory.Key] = "Author ization",
            [CredentialInjectionTransformFactory.SchemeKey] = "Basic",
            [CredentialInjectionTransformFactory.CredentialKey] = "sk-live-not-a-reference",
        });

        Assert.True(handled);
        Assert.Equal(3, context.Errors.Count);
    }

    [Fact]
    public void Validate_CredentialInjection_MissingSchemeIsAnErrorAndACredentialIsOptional()
    {
        var (_, missing) = Validate(new CredentialInjectionTransformFactory(), new() { [CredentialInjectionTransformFactory.Key] = "Authorization" });
        var (_, valid) = Validate(new CredentialInjectionTransformFactory(), new()
        {
            [CredentialInjectionTransformFactory.Key] = "x-api-key",
            [CredentialInjectionTransformFactory.SchemeKey] = nameof(CredentialScheme.Raw),
        });

        Assert.Single(missing.Errors);
        Assert.Empty(valid.Errors);
    }

    [Theory]
    [InlineData("on")]
    [InlineData("gatewaysigned")]
    [InlineData("1")]
    [InlineData("")]
    public void Validate_UpstreamEnvelope_NotAFormName_IsAnError(string value)
    {
        var (handled, context) = Validate(new UpstreamEnvelopeTransformFactory(), new() { [UpstreamEnvelopeTransformFactory.Key] = value });

        Assert.True(handled);
        Assert.Single(context.Errors);
    }

    [Fact]
    public void Validate_GovernedResultAndProviderBody_BadValueAndUnknownKeyAreTwoErrors()
    {
        var (_, result) = Validate(new GovernedResultTransformFactory(), new() { [GovernedResultTransformFactory.Key] = "Ftp", ["Other"] = "x" });
        var (_, body) = Validate(new ProviderBodyTransformFactory(), new() { [ProviderBodyTransformFactory.Key] = "on", ["Other"] = "x" });
        var (_, valid) = Validate(new GovernedResultTransformFactory(), new() { [GovernedResultTransformFactory.Key] = "Webhook" });

        Assert.Equal(2, result.Errors.Count);
        Assert.Equal(2, body.Errors.Count);
        Assert.Empty(valid.Errors);
    }
}
