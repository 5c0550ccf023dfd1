using System.Net;
using Microsoft.Extensions.DependencyInjection;
using Gateway.Proxy.Tests.Infrastructure;

namespace Gateway.Proxy.Tests.Refusals;

/// <summary>
/// The problems the framework produces, not the gateway's code (routing's 404 and 405, the exception
/// handler's 500) and the admin API's results, all written by the gateway's one writer: problem+json with
/// a stable <c>code</c> and the request id, nothing of an exception, nothing forwarded.
/// </summary>
public sealed class FrameworkProblemTests : IClassFixture<FrameworkProblemTests.Fixture>
{
    private readonly Fixture _fixture;

    public FrameworkProblemTests(Fixture fixture) => _fixture = fixture;

    private GovernedGateway Gateway => _fixture.Gateway;

    [Fact]
    public async Task WrongMethod_OnAGovernedRoute_Is405ProblemWithAllow()
    {
        using var response = await Gateway.Host.Client.GetAsync("/v1/evaluate");

        await ProblemAssert.IsProblemAsync(response, HttpStatusCode.MethodNotAllowed, "method_not_allowed");
        Assert.Contains("POST", response.Content.Headers.Allow);
    }

    [Fact]
    public async Task UnmatchedRoute_Unsigned_Is404Problem()
    {
        var problem = await ProblemAssert.IsProblemAsync(await Gateway.Host.Client.GetAsync("/no/such/route"), HttpStatusCode.NotFound, "not_found");

        Assert.Equal("https://gateway.local/problems/not_found", problem.GetProperty("type").GetString());
        Assert.Equal("Not Found", problem.GetProperty("title").GetString());
        Assert.False(problem.TryGetProperty("traceId", out _));
    }

    [Fact]
    public async Task RequestIds_AcrossManyRequests_AreDistinctRandomHex()
    {
        // More ids than one thread's batch of random bytes holds (85), so a refill is crossed.
        var ids = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < 300; i++)
        {
            using var response = await Gateway.Host.Client.GetAsync("/no/such/route");
            ids.Add(response.Headers.GetValues("X-Request-Id").Single());
        }

        Assert.Equal(300, ids.Count);
        Assert.All(ids, id => Assert.Matches("^req_[0-9a-f]{24}$", id));
        Assert.DoesNotContain(ids, id => id == "req_" + new string('0', 24));
    }

    [Fact]
    public async Task AdminRefusal_IsWrittenByTheOneWriterInTheAdminShape()
    {
        using var response = await Gateway.Host.Client.GetAsync("/admin/v1/tenants/demo/approvals");

        var problem = await ProblemAssert.IsProblemAsync(response, HttpStatusCode.Unauthorized, "admin_token_missing");
        Assert.Equal("about:blank", problem.GetProperty("type").GetString());
        Assert.Equal("Authentication required", problem.GetProperty("title").GetString());
        Assert.False(problem.TryGetProperty("detail", out _));
        Assert.Equal(response.Headers.GetValues("X-Request-Id").Single(), problem.GetProperty("request_id").GetString());
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
        Assert.Equal(
            ["type", "title", "status", "code", "request_id"],
            problem.EnumerateObject().Select(static member => member.Name).ToArray());
    }

    [Fact]
    public async Task ExceptionMidRequest_Is500InternalErrorAsAnOpenAIErrorAndNothingIsForwarded()
    {
        var before = Gateway.Upstream.To("/v1/chat/completions").Count;
        using var request = Gateway.Agent.Create(HttpMethod.Post, "/providers/openai/chat/completions",
            """{"model":"gpt-4o","messages":[{"role":"user","content":"hi"}]}""");

        _fixture.Clock.Armed = true;
        HttpResponseMessage response;
        try
        {
            response = await Gateway.Host.Client.SendAsync(request);
        }
        finally
        {
            _fixture.Clock.Armed = false;
        }

        using (response)
        {
            // The clock fails in the Authenticate stage, before the connector is known: the target is an OpenAI operation.
            var error = await ProblemAssert.IsOpenAIErrorAsync(response, HttpStatusCode.InternalServerError, "internal_error");
            var text = error.GetRawText();
            Assert.DoesNotContain(ArmedClock.Message, text, StringComparison.Ordinal);
            Assert.DoesNotContain("InvalidOperationException", text, StringComparison.Ordinal);
            Assert.Equal(before, Gateway.Upstream.To("/v1/chat/completions").Count);
        }
    }

    /// <summary>A governed gateway whose clock can be made to throw, as a failing dependency mid-request would.</summary>
    public sealed class Fixture : IAsyncLifetime
    {
        public ArmedClock Clock { get; } = new();

        public GovernedGateway Gateway { get; private set; } = null!;

        public async Task InitializeAsync() =>
            Gateway = await GovernedGateway.StartAsync(configure: builder => builder.Services.AddSingleton<TimeProvider>(Clock));

        public async Task DisposeAsync() => await Gateway.DisposeAsync();
    }

    /// <summary>The system clock, except that it throws while <see cref="Armed"/>.</summary>
    public sealed class ArmedClock : TimeProvider
    {
        public const string Message = "armed clock failure: secret-ish internals";

        public volatile bool Armed;

        public override DateTimeOffset GetUtcNow() => Armed ? throw new InvalidOperationException(Message) : System.GetUtcNow();
    }
}
