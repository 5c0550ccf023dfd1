using System.Text.Json;
using Gateway.Oversight.Approvals;
using Gateway.Oversight.Tests.Infrastructure;
using Gateway.Store;
using Gateway.Testing;
using MsOptions = Microsoft.Extensions.Options.Options;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>Earlier approvals that look like the same action: the same intent, or the same tool with the same key argument.</summary>
public sealed class ApprovalLookbackTests
{
    private const string Tenant = "demo";
    private readonly ManualTimeProvider _time = new();
    private readonly InMemoryStateStore _state;
    private readonly ApprovalService _service;
    private readonly ApprovalLookback _lookback;

    public ApprovalLookbackTests()
    {
        _state = new InMemoryStateStore(_time);
        _service = TestServices.Approvals(_state, _time);
        _lookback = new ApprovalLookback(new StateStoreApprovalStore(_state), _service, MsOptions.Create(TestServices.DefaultOptions));
    }

    [Fact]
    public async Task EarlierAsync_SameOrderRefundedWithTheWarrant_IsFlaggedAsCarriedOut()
    {
        var first = await OpenAsync("intent-1", """{"order":"A-1","amount":25}""");
        await _service.ApproveAsync(Tenant, first.Id, new ApprovalVoter("bob", "minter-of-bob"));
        var warrant = (await _service.PollAsync(Tenant, "demo-agent", first.Id))!.Warrant!;
        Assert.True((await _service.RedeemWarrantAsync(new WarrantPresentation(Tenant, "demo-agent", "intent-1", "policy-1", warrant))).Redeemed);
        _time.Advance(TimeSpan.FromSeconds(5));
        var again = await OpenAsync("intent-2", """{"order":"A-1","amount":30}""");

        var precedent = Assert.Single(await _lookback.EarlierAsync(again, inputSchemaJson: null, "alice"));

        Assert.Equal(first.Id, precedent.Request.Id);
        Assert.Equal("the same order A-1", precedent.Match);
        Assert.True(precedent.WarrantUsed);
    }

    [Fact]
    public async Task EarlierAsync_SameIntentDeniedBefore_IsFlaggedAndAnotherOrderIsNot()
    {
        var denied = await OpenAsync("intent-1", """{"order":"A-1","amount":25}""");
        await _service.DenyAsync(Tenant, denied.Id, new ApprovalVoter("bob", "minter-of-bob"));
        await OpenAsync("intent-3", """{"order":"B-7","amount":25}""");
        _time.Advance(TimeSpan.FromSeconds(5));
        var again = await OpenAsync("intent-1", """{"order":"A-1","amount":25}""");

        var precedent = Assert.Single(await _lookback.EarlierAsync(again, inputSchemaJson: null, "alice"));

        Assert.Equal("the same intent", precedent.Match);
        Assert.Equal(ApprovalStatus.Denied, precedent.Request.Status);
        Assert.False(precedent.WarrantUsed);
    }

    [Fact]
    public async Task EarlierAsync_LaterRequest_IsNotAPrecedent()
    {
        var first = await OpenAsync("intent-1", """{"order":"A-1","amount":25}""");
        _time.Advance(TimeSpan.FromSeconds(5));
        await OpenAsync("intent-2", """{"order":"A-1","amount":30}""");

        Assert.Empty(await _lookback.EarlierAsync(first, inputSchemaJson: null, "alice"));
    }

    [Fact]
    public async Task EarlierAsync_SameOrderHeldForOtherApprovers_IsNotToldToTheViewer()
    {
        var forCarol = await OpenAsync("intent-1", """{"order":"A-1","amount":25}""", "carol");
        _time.Advance(TimeSpan.FromSeconds(5));
        var again = await OpenAsync("intent-1", """{"order":"A-1","amount":25}""");

        Assert.Empty(await _lookback.EarlierAsync(again, inputSchemaJson: null, "alice"));
        Assert.Equal(forCarol.Id, Assert.Single(await _lookback.EarlierAsync(again, inputSchemaJson: null, "carol")).Request.Id);
    }

    [Theory]
    [InlineData("\uFF24-\uFF11")] // fullwidth D and 1
    [InlineData("d-1\u034F")] // another case and a combining grapheme joiner
    [InlineData("D-1\uFE0F")] // a variation selector
    public async Task EarlierAsync_SameOrderAsALookalike_IsFlagged(string lookalike)
    {
        var first = await OpenAsync("intent-1", """{"order":"D-1","amount":40}""");
        _time.Advance(TimeSpan.FromSeconds(5));
        var again = await OpenAsync("intent-2", JsonSerializer.Serialize(new { order = lookalike, amount = 45 }));

        var precedent = Assert.Single(await _lookback.EarlierAsync(again, inputSchemaJson: null, "alice"));

        Assert.Equal(first.Id, precedent.Request.Id);
        Assert.Equal("the same order " + lookalike, precedent.Match);
    }

    [Fact]
    public async Task EarlierAsync_SameOrderUnderACaseVariantName_IsFlagged()
    {
        const string schema = """{"type":"object","properties":{"order":{"type":"string"},"amount":{"type":"number"},"currency":{"type":"string"}}}""";
        var first = await OpenAsync("intent-1", """{"order":"B-2210","amount":480}""");
        _time.Advance(TimeSpan.FromSeconds(5));
        var again = await OpenAsync("intent-2", """{"Amount":480000,"Currency":"EUR","Order":"B-2210"}""");

        var precedent = Assert.Single(await _lookback.EarlierAsync(again, schema, "alice"));

        Assert.Equal(first.Id, precedent.Request.Id);
        Assert.Equal("the same order B-2210", precedent.Match);
    }

    private ValueTask<ApprovalRequest> OpenAsync(string intent, string arguments, params string[] approvers) =>
        _service.CreateAsync(Tenant, "demo-agent", "payments.refund", intent, "policy-1", null, null, approvers is [] ? ["alice", "bob"] : approvers, 1,
            TimeSpan.FromMinutes(30), TimeSpan.FromMinutes(5), arguments: ApprovalArguments.Of(JsonDocument.Parse(arguments).RootElement));
}
