using System.Net;
using System.Text;
using System.Text.Json;
using Gateway.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace Gateway.Proxy.Tests.Interactive;

/// <summary>
/// The endpoints anyone may call before signing in are rate limited per client address (an IPv6 client's /64), against a
/// real Kestrel gateway configured with small limits: past them, <c>GET /oauth/authorize</c> and <c>POST /oauth/register</c> answer 429
/// <c>temporarily_unavailable</c> with <c>Retry-After</c>, and keep nothing.
/// </summary>
public sealed class InteractiveRateLimitTests : IAsyncLifetime
{
    private const int Authorizations = 3;
    private const int Registrations = 2;

    private InteractiveGateway _gw = null!;

    // The limiter's windows are whole minutes of the gateway's clock: held in the middle of one, every request of a test
    // falls in the same window however long the machine takes.
    private readonly ManualTimeProvider _clock = new(MiddleOfThisMinute());

    public async Task InitializeAsync() => _gw = await InteractiveGateway.StartAsync(dynamicRegistration: true, [], settings: new Dictionary<string, string?>
    {
        ["Gateway:AccessTokens:AuthorizationsPerMinute"] = Authorizations.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Gateway:AccessTokens:RegistrationsPerMinute"] = Registrations.ToString(System.Globalization.CultureInfo.InvariantCulture),
        ["Gateway:ForwardedHeaders:KnownProxies:0"] = "127.0.0.1",
    }, configure: builder => builder.Services.AddSingleton<TimeProvider>(_clock));

    public async Task DisposeAsync() => await _gw.DisposeAsync();

    [Fact]
    public async Task Authorize_OverTheLimitFromOneAddress_IsTemporarilyUnavailableWithRetryAfter()
    {
        var (_, challenge) = InteractiveGateway.NewPkce();
        var url = _gw.AuthorizeUrl(challenge);
        using var browser = _gw.Browser();

        var (within, over) = await WithinOneWindowAsync(Authorizations, () => browser.GetAsync(url));

        Assert.All(within, status => Assert.Equal(HttpStatusCode.Redirect, status));
        await AssertLimitedAsync(over);
    }

    [Fact]
    public async Task Register_OverTheLimitFromOneAddress_IsTemporarilyUnavailableWithRetryAfter()
    {
        const string Metadata = """{"redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none"}""";

        var (within, over) = await WithinOneWindowAsync(Registrations, () => _gw.Gateway.Host.Client.PostAsync("/oauth/register", new StringContent(Metadata, Encoding.UTF8, "application/json")));

        Assert.All(within, status => Assert.Equal(HttpStatusCode.Created, status));
        await AssertLimitedAsync(over);
    }

    [Fact]
    public async Task Register_FromAddressesOfOneIpv6Slash64_CountAsOneAddress()
    {
        const string Metadata = """{"redirect_uris":["http://127.0.0.1/callback"],"token_endpoint_auth_method":"none"}""";
        var next = 0;
        Task<HttpResponseMessage> RegisterFrom(string address)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/oauth/register") { Content = new StringContent(Metadata, Encoding.UTF8, "application/json") };
            request.Headers.Add("X-Forwarded-For", address);
            return _gw.Gateway.Host.Client.SendAsync(request);
        }

        var (within, over) = await WithinOneWindowAsync(Registrations, () => RegisterFrom("2001:db8:7:9::" + (++next).ToString(System.Globalization.CultureInfo.InvariantCulture)));
        using var otherNetwork = await RegisterFrom("2001:db8:7:a::1");

        Assert.All(within, status => Assert.Equal(HttpStatusCode.Created, status));
        await AssertLimitedAsync(over);
        Assert.Equal(HttpStatusCode.Created, otherNetwork.StatusCode);
    }

    /// <summary><paramref name="limit"/> requests and one more, in one window: the first ones' statuses, and the last answer.</summary>
    private static async Task<(List<HttpStatusCode> Within, HttpResponseMessage Over)> WithinOneWindowAsync(int limit, Func<Task<HttpResponseMessage>> send)
    {
        var within = new List<HttpStatusCode>();
        for (var i = 0; i < limit; i++)
        {
            using var response = await send();
            within.Add(response.StatusCode);
        }

        return (within, await send());
    }

    private static DateTimeOffset MiddleOfThisMinute()
    {
        var now = DateTimeOffset.UtcNow;
        return new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 30, TimeSpan.Zero);
    }

    private static async Task AssertLimitedAsync(HttpResponseMessage over)
    {
        using (over)
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, over.StatusCode);
            var error = JsonDocument.Parse(await over.Content.ReadAsStringAsync()).RootElement;
            Assert.Equal("temporarily_unavailable", error.GetProperty("error").GetString());
            // The window's end: half a minute after the clock held at its middle.
            Assert.Equal(TimeSpan.FromSeconds(30), over.Headers.RetryAfter!.Delta);
        }
    }
}
