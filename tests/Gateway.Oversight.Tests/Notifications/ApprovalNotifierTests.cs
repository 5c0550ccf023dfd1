using System.Collections.Concurrent;
using System.Text.RegularExpressions;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Notifications;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Logging.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Oversight.Tests.Notifications;

/// <summary>
/// A new approval tells its approvers through a chat webhook (a real Kestrel server) and e-mail (a real SMTP server,
/// Debian's aiosmtpd), both with the deep link and no secret; a failing channel is retried through the outbox, and a
/// hanging one (<see cref="HoldingRelay"/>) never holds up or fails the approval's creation.
/// </summary>
public sealed class ApprovalNotifierTests
{
    private const string Tenant = "demo";
    private static readonly Uri Origin = new("https://gateway.example.com");

    [Fact]
    public async Task CreateAsync_WebhookFailsOnceAndRelayUp_BothReceiveTheDeepLinkAndWebhookIsRetried()
    {
        var bodies = new ConcurrentQueue<string>();
        var calls = 0;
        await using var webhook = await KestrelUpstream.StartAsync(app => app.MapPost("/hook", async (HttpRequest request) =>
        {
            using var reader = new StreamReader(request.Body);
            bodies.Enqueue(await reader.ReadToEndAsync());
            return Interlocked.Increment(ref calls) == 1 ? Results.StatusCode(503) : Results.Ok();
        }));
        await using var smtp = await AiosmtpdServer.StartAsync();
        var (service, notifier) = Build(Options(webhook.At("/hook"), smtp.Port));
        await notifier.StartAsync(CancellationToken.None);
        try
        {
            var request = await CreateAsync(service);

            var link = "https://gateway.example.com/console/demo/approvals/" + request.Id;
            await Eventually.HoldsAsync(() => bodies.Count >= 2, TimeSpan.FromSeconds(20), () => "webhook calls: " + bodies.Count);
            Assert.All(bodies, body =>
            {
                Assert.StartsWith("{\"text\":", body, StringComparison.Ordinal);
                Assert.Contains(link, body, StringComparison.Ordinal);
                Assert.Contains("demo-agent asks to refund 25.00 (currency not given) on order A-1", body, StringComparison.Ordinal);
                Assert.DoesNotContain("[REDACTED", body, StringComparison.Ordinal);
            });
            await Eventually.HoldsAsync(() => smtp.Received.Contains(link, StringComparison.Ordinal), TimeSpan.FromSeconds(20), () => "SMTP received: " + smtp.Received);
            Assert.Contains("bob@example.com", smtp.Received, StringComparison.Ordinal);
            Assert.DoesNotContain("carol@example.com", smtp.Received, StringComparison.Ordinal);
            // A long subject is folded (RFC 5322 §2.2.3): unfolded, it is the sentence.
            var unfolded = Regex.Replace(smtp.Received, @"\r?\n(?=[ \t])", string.Empty);
            Assert.Contains("Subject: Approval needed: demo-agent asks to refund 25.00 (currency not given) on order A-1", unfolded, StringComparison.Ordinal);
        }
        finally
        {
            await notifier.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task CreateAsync_RelayHoldsTheFirstSend_ApprovalOpensWhileItIsHeldAndMailArrivesOnceARelayAnswers()
    {
        var port = FreePort.Next();
        var logs = new FakeLogger<ApprovalNotifier>();
        // An attempt may last longer than the test: only the relay's release ends the held one.
        var (service, notifier) = Build(Options(null, port) with { AttemptTimeout = TimeSpan.FromMinutes(10) }, logger: logs);
        await using var relay = HoldingRelay.Start(port);
        await notifier.StartAsync(CancellationToken.None);
        try
        {
            // The relay accepts the notifier's connection and never greets it: a creation that waited for its mail (however:
            // awaited, or blocking its thread, hence on the pool) would not return before the release below.
            var creating = Task.Run(async () => await CreateAsync(service));
            var waited = await Xunit.Record.ExceptionAsync(() => creating.WaitAsync(TimeSpan.FromSeconds(20)));
            Assert.True(waited is null, "creating the approval waited for the held mail relay: " + waited?.GetType().Name);
            var request = await creating;
            Assert.Equal(ApprovalStatus.Pending, (await service.GetAsync(Tenant, request.Id))!.Status);

            // The mail was being sent all along: its connection is held at the relay, its attempt not yet ended.
            await Eventually.HoldsAsync(() => relay.Held == 1, TimeSpan.FromSeconds(20),
                () => $"the notifier's connection is not held at the relay (accepted {relay.Accepted}, held {relay.Held})");
            Assert.DoesNotContain(logs.Collector.GetSnapshot(), static r => r.Id.Id == 4901);

            // Released, the relay drops the connection and is down: the attempt fails (logged), the entry is due again.
            await relay.ReleaseAsync();
            await Eventually.HoldsAsync(() => logs.Collector.GetSnapshot().Any(static r => r.Id.Id == 4901), TimeSpan.FromSeconds(20),
                "no failed attempt against the dropped connection");
            await using var smtp = await AiosmtpdServer.StartAsync(port);
            await Eventually.HoldsAsync(() => smtp.Received.Contains("/console/demo/approvals/" + request.Id, StringComparison.Ordinal),
                TimeSpan.FromSeconds(20), () => "SMTP received: " + smtp.Received);
        }
        finally
        {
            await notifier.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task CreateAsync_TenantWithoutChannels_QueuesNothing()
    {
        var outbox = new ApprovalNotificationOutbox(10);
        var (service, _) = Build(Options(new Uri("http://127.0.0.1:9/hook"), 25) with { Tenants = new(StringComparer.Ordinal) }, outbox);

        await CreateAsync(service);

        Assert.Equal(0, outbox.Count);
    }

    [Fact]
    public async Task AttemptAsync_FailedAndTheOutboxFilledMeanwhile_LogsTheRetryDroppedAsOutboxFull()
    {
        var outbox = new ApprovalNotificationOutbox(1);
        var logs = new FakeLogger<ApprovalNotifier>();
        var (service, notifier) = Build(Options(null, FreePort.Next()), outbox, logs);
        await CreateAsync(service);
        var claimed = Assert.Single(outbox.ClaimDue(DateTimeOffset.MaxValue, 1));
        var later = await CreateAsync(service);

        await notifier.AttemptAsync(claimed, CancellationToken.None);

        Assert.Equal(1, outbox.Count);
        var full = Assert.Single(logs.Collector.GetSnapshot(), static r => r.Id.Id == 4903);
        Assert.Contains(claimed.Notification.ApprovalId, full.Message, StringComparison.Ordinal);
        Assert.Equal(later.Id, Assert.Single(outbox.ClaimDue(DateTimeOffset.MaxValue, 1)).Notification.ApprovalId);
    }

    [Theory]
    [InlineData("<https://sso-corp.evil/login|Decide here> <!channel>", "‹hxxps[:]//sso-corp[.]evil/login|Decide here› ‹!channel›")]
    [InlineData("a@example.com\r\nBcc: all@example.com", "a@example[.]com  Bcc: all@example[.]com")]
    [InlineData("pay\u202Emoc.live", "pay moc[.]live")]
    public void AgentText_MarkupLineBreaksAndOverrides_AreNeutralised(string value, string quoted) =>
        Assert.Equal(quoted, ApprovalNotification.AgentText(value));

    [Theory]
    [InlineData("see https://pay.evil.example/approve", "see hxxps[:]//pay[.]evil[.]example/approve")]
    [InlineData("HTTP://evil.example", "hxxp[:]//evil[.]example")]
    [InlineData("ftp://files.evil/x", "ftp[:]//files[.]evil/x")]
    [InlineData("www.evil.example/login", "www[.]evil[.]example/login")]
    [InlineData("mailto:ceo@corp.example", "mailto[:]ceo@corp[.]example")]
    [InlineData("refund 25.00 on v1.2", "refund 25.00 on v1.2")]
    [InlineData("A-1795", "A-1795")]
    public void AgentText_UrlLikeText_IsDefangedSoNoClientLinksIt(string value, string quoted) =>
        Assert.Equal(quoted, ApprovalNotification.AgentText(value));

    [Fact]
    public void AgentText_DefaultIgnorableCharacters_AreNeutralised() =>
        Assert.Equal("D-1  ", ApprovalNotification.AgentText("D-1\u034F\uFE0F"));

    [Fact]
    public void AgentText_UnicodeTagCharacters_AreNeutralised() =>
        Assert.Equal("A-1795  ", ApprovalNotification.AgentText("A-1795\U000E0041\U000E0042"));

    [Fact]
    public void AgentText_LongValue_IsCutWithAnEllipsis() =>
        Assert.Equal(new string('x', ApprovalNotification.MaxQuoted) + "…", ApprovalNotification.AgentText(new string('x', 500)));

    [Fact]
    public async Task Notification_UndeclaredDecoyAmount_QuotesTheDeclaredAmountAsTheConsoleDoes()
    {
        const string schema = """{"type":"object","properties":{"order":{"type":"string"},"total":{"type":"number"},"currency":{"type":"string"}}}""";
        var outbox = new ApprovalNotificationOutbox(16);
        var (service, _) = Build(Options(new Uri("https://hooks.example.com/hook"), 25), outbox, schemas: new OneSchema("payments.refund", schema));

        var request = await service.CreateAsync(Tenant, "demo-agent", "payments.refund", "intent-1", "policy-1", null, null, ["alice"], 1,
            TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5), arguments: ApprovalArguments.Of(System.Text.Json.JsonDocument.Parse("""{"order":"A-1","amount":1,"total":480000,"currency":"EUR"}""").RootElement));

        var queued = outbox.ClaimDue(DateTimeOffset.MaxValue, 16);
        Assert.NotEmpty(queued);
        Assert.All(queued, entry => Assert.Contains("demo-agent asks to refund 480000.00 EUR on order A-1", entry.Notification.Text, StringComparison.Ordinal));
        Assert.Equal("480000.00 EUR", ApprovalKeyArguments.Of(request.Arguments, schema).AmountWords);
    }

    private static ApprovalNotificationOptions Options(Uri? webhook, int smtpPort) => new()
    {
        PublicOrigin = Origin,
        Smtp = new ApprovalSmtpOptions { Host = "127.0.0.1", Port = smtpPort, From = "gateway@example.com" },
        InitialBackoff = TimeSpan.FromMilliseconds(200),
        MaxBackoff = TimeSpan.FromSeconds(1),
        AttemptTimeout = TimeSpan.FromSeconds(5),
        Tenants = new(StringComparer.Ordinal)
        {
            [Tenant] = new ApprovalNotificationChannels
            {
                WebhookUrl = webhook,
                Email = new(StringComparer.Ordinal) { ["alice"] = "alice@example.com", ["bob"] = "bob@example.com", ["carol"] = "carol@example.com" },
            },
        },
    };

    private static (ApprovalService Service, ApprovalNotifier Notifier) Build(ApprovalNotificationOptions options, ApprovalNotificationOutbox? outbox = null,
        ILogger<ApprovalNotifier>? logger = null, IToolInputSchemas? schemas = null)
    {
        var wrapped = MsOptions.Create(options);
        var http = new ServiceCollection().AddHttpClient().BuildServiceProvider().GetRequiredService<IHttpClientFactory>();
        var notifier = new ApprovalNotifier(outbox ?? new ApprovalNotificationOutbox(options.OutboxCapacity),
            [new WebhookApprovalChannel(http), new EmailApprovalChannel(wrapped)], wrapped, TimeProvider.System, logger ?? NullLogger<ApprovalNotifier>.Instance, schemas);
        var state = new InMemoryStateStore(TimeProvider.System);
        var store = new NotifyingApprovalStore(new StateStoreApprovalStore(state), notifier);
        var service = TestServices.Approvals(store, state, TimeProvider.System);
        return (service, notifier);
    }

    /// <summary>A refund held for alice or bob (carol is not named: she is not mailed).</summary>
    private static ValueTask<ApprovalRequest> CreateAsync(ApprovalService service) =>
        service.CreateAsync(Tenant, "demo-agent", "payments.refund", "intent-1", "policy-1", null, null, ["alice", "bob"], 1,
            TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5), arguments: ApprovalArguments.Of(System.Text.Json.JsonDocument.Parse("""{"order":"A-1","amount":25,"card":"4111 1111 1111 1111"}""").RootElement));

    /// <summary>One tool's input schema, in any tenant.</summary>
    private sealed class OneSchema(string tool, string schema) : IToolInputSchemas
    {
        public string? InputSchemaOf(string tenant, string name) => name == tool ? schema : null;
    }
}
