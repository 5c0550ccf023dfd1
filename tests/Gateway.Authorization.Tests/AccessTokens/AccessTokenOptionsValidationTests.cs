using System.Security.Cryptography;
using Gateway.Authorization.AccessTokens;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Hosting.Internal;
using Microsoft.Extensions.Options;

namespace Gateway.Authorization.Tests.AccessTokens;

/// <summary>
/// <c>Gateway:AccessTokens</c> is refused at start-up when a token could outlive its bound, a URL would be misspelled under
/// it, or a switch is not a boolean.
/// </summary>
public sealed class AccessTokenOptionsValidationTests
{
    [Theory]
    [InlineData("https://gateway.example.com/")]
    [InlineData("https://gateway.example.com/base")]
    [InlineData("https://gateway.example.com?x=1")]
    [InlineData("ftp://gateway.example.com")]
    [InlineData("gateway.example.com")]
    public void Validate_PublicBaseUrlThatIsNotAnOrigin_IsRefused(string url)
    {
        var result = new AccessTokenOptionsValidator().Validate(null, new AccessTokenOptions { PublicBaseUrl = url });

        Assert.True(result.Failed);
    }

    [Fact]
    public void Validate_LifetimeOutOfBoundsAndBadUrl_ReportsEveryError()
    {
        var result = new AccessTokenOptionsValidator().Validate(null, new AccessTokenOptions { PublicBaseUrl = "https://x/", Lifetime = TimeSpan.FromHours(2) });

        Assert.Equal(2, result.Failures!.Count());
    }

    [Theory]
    [InlineData("")]
    [InlineData("https://gateway.example.com")]
    [InlineData("http://127.0.0.1:8080")]
    public void Validate_EmptyOrAnOrigin_IsAccepted(string url)
    {
        Assert.False(new AccessTokenOptionsValidator().Validate(null, new AccessTokenOptions { PublicBaseUrl = url }).Failed);
    }

    [Fact]
    public void Validate_NoPublicBaseUrlOutsideDevelopment_IsRefusedNamingTheSetting()
    {
        var result = new AccessTokenOptionsValidator(requirePublicBaseUrl: true).Validate(null, new AccessTokenOptions());

        Assert.Contains("Gateway:AccessTokens:PublicBaseUrl is required outside Development", result.FailureMessage, StringComparison.Ordinal);
        Assert.False(new AccessTokenOptionsValidator(requirePublicBaseUrl: true).Validate(null, new AccessTokenOptions { PublicBaseUrl = "https://gateway.example.com" }).Failed);
    }

    [Theory]
    [InlineData("http://gateway.example.com")]
    [InlineData("http://gateway.internal:8080")]
    [InlineData("http://10.0.0.5")]
    public void Validate_PlainHttpNonLoopbackOutsideDevelopment_IsRefused(string url)
    {
        var result = new AccessTokenOptionsValidator(requirePublicBaseUrl: true).Validate(null, Bind(("PublicBaseUrl", url)));

        Assert.True(result.Failed);
        Assert.Contains("is plain http on a host other than loopback outside Development", Assert.Single(result.Failures!), StringComparison.Ordinal);
        Assert.Contains("Gateway:AccessTokens:AllowPlainHttp=true", result.FailureMessage, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("http://127.0.0.1:8080", true, false)]
    [InlineData("http://127.5.0.1", true, false)]
    [InlineData("http://localhost:8080", true, false)]
    [InlineData("http://[::1]:8080", true, false)]
    [InlineData("http://gateway.example.com", false, false)]
    [InlineData("http://gateway.internal:8080", true, true)]
    [InlineData("https://gateway.example.com", true, false)]
    public void Validate_PlainHttpOnLoopbackInDevelopmentOrOptedIn_IsAccepted(string url, bool outsideDevelopment, bool allowPlainHttp)
    {
        var options = Bind(("PublicBaseUrl", url), ("AllowPlainHttp", allowPlainHttp ? "true" : "false"));

        Assert.False(new AccessTokenOptionsValidator(requirePublicBaseUrl: outsideDevelopment).Validate(null, options).Failed);
    }

    [Theory]
    [InlineData("https://gateway.test")]
    [InlineData("gateway.test/path")]
    [InlineData("*.example.com")]
    [InlineData("")]
    public void Validate_AllowedHostThatIsNoHost_IsRefused(string host)
    {
        var options = new AccessTokenOptions();
        options.AllowedHosts.Add(host);

        Assert.True(new AccessTokenOptionsValidator().Validate(null, options).Failed);
    }

    [Theory]
    [InlineData("gateway.test")]
    [InlineData("gateway.test:8443")]
    [InlineData("10.0.0.5:8080")]
    [InlineData("[::1]:8080")]
    public void Validate_AllowedHostWithOptionalPort_IsAccepted(string host)
    {
        var options = new AccessTokenOptions();
        options.AllowedHosts.Add(host);

        Assert.False(new AccessTokenOptionsValidator().Validate(null, options).Failed);
    }

    [Fact]
    public void Start_AllowInternalClientMetadataDocumentsNotABoolean_FailsNamingTheKeyAndIsOffByDefault()
    {
        using var bad = Services(("Gateway:AccessTokens:AllowInternalClientMetadataDocuments", "sometimes"));
        using var unset = Services();
        using var on = Services(("Gateway:AccessTokens:AllowInternalClientMetadataDocuments", "true"));

        var error = Assert.ThrowsAny<InvalidOperationException>(() => bad.GetRequiredService<IStartupValidator>().Validate());

        Assert.Contains("Gateway:AccessTokens:AllowInternalClientMetadataDocuments", error.Message, StringComparison.Ordinal);
        unset.GetRequiredService<IStartupValidator>().Validate();
        Assert.False(unset.GetRequiredService<IOptions<AccessTokenOptions>>().Value.AllowInternalClientMetadataDocuments);
        Assert.True(on.GetRequiredService<IOptions<AccessTokenOptions>>().Value.AllowInternalClientMetadataDocuments);
    }

    /// <summary><c>Gateway:AccessTokens</c> bound from <paramref name="settings"/>, as the gateway binds it.</summary>
    private static AccessTokenOptions Bind(params (string Key, string Value)[] settings) =>
        new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build().Get<AccessTokenOptions>()!;

    /// <summary>The access-token services as the gateway registers them, in Development (no public base URL needed).</summary>
    private static ServiceProvider Services(params (string Key, string Value)[] settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings.Select(s => KeyValuePair.Create(s.Key, (string?)s.Value))).Build();
        var services = new ServiceCollection();
        services.AddSingleton<IHostEnvironment>(new HostingEnvironment { EnvironmentName = Environments.Development });
        services.AddGatewayAccessTokens(configuration, AccessTokenSigningKey.DeriveFrom(RandomNumberGenerator.GetBytes(32)));
        return services.BuildServiceProvider();
    }
}
