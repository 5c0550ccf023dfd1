using Gateway.Oversight.Approvals;

namespace Gateway.Oversight.Tests.Approvals;

/// <summary>The amount, target and recipient that tell two approvals apart, read from the redacted arguments.</summary>
public sealed class ApprovalKeyArgumentsTests
{
    private const string RefundSchema = """{"type":"object","properties":{"order":{"type":"string"},"amount":{"type":"number"},"reason":{"type":"string"}}}""";

    [Fact]
    public void Of_Refund_ReadsAmountWithTwoDecimalsAndTheOrder()
    {
        var key = ApprovalKeyArguments.Of("""{"amount":480.5,"order":"B-2210","reason":"cancelled"}""", RefundSchema);

        Assert.Equal("480.50", key.Amount);
        Assert.Equal("order", key.TargetName);
        Assert.Equal("B-2210", key.Target);
        Assert.Null(key.Recipient);
    }

    [Fact]
    public void AmountWords_NoCurrencyInTheArguments_SaysSo()
    {
        var key = ApprovalKeyArguments.Of("""{"amount":25,"order":"A-1"}""", RefundSchema);

        Assert.Equal("amount", key.AmountName);
        Assert.Equal("25.00 (currency not given)", key.AmountWords);
    }

    [Fact]
    public void AmountWords_WithACurrency_NamesIt()
    {
        var key = ApprovalKeyArguments.Of("""{"total":1250,"currency":"EUR","invoice":"I-9"}""");

        Assert.Equal("total", key.AmountName);
        Assert.Equal("1250.00 EUR", key.AmountWords);
    }

    [Fact]
    public void Of_MemberTheSchemaDoesNotDeclare_IsNotRead()
    {
        var key = ApprovalKeyArguments.Of("""{"amount":25,"order":"A-1","to":"x@example.com"}""", RefundSchema);

        Assert.Null(key.Recipient);
        Assert.Equal("25.00", key.Amount);
    }

    [Theory]
    [InlineData(RefundSchema)]
    [InlineData(null)]
    public void Of_AmountAndOrderSpelledInAnotherCase_ReadsBothAsTheSchemaCheckBindsThem(string? schema)
    {
        var key = ApprovalKeyArguments.Of("""{"Amount":480000,"CURRENCY":"EUR","Order":"B-2210"}""", schema);

        Assert.Equal("amount", key.AmountName);
        Assert.Equal("480000.00", key.Amount);
        Assert.Equal(schema is null ? "480000.00 EUR" : "480000.00 (currency not given)", key.AmountWords);
        Assert.Equal("order", key.TargetName);
        Assert.Equal("B-2210", key.Target);
    }

    [Fact]
    public void Of_MembersSpelledAlike_TheOneSpelledExactlyIsRead()
    {
        var key = ApprovalKeyArguments.Of("""{"Amount":1,"amount":25,"orderId":"A-1"}""");

        Assert.Equal("25.00", key.Amount);
        Assert.Equal("order_id", key.TargetName);
        Assert.Equal("A-1", key.Target);
    }

    [Fact]
    public void Of_AmountAsText_IsNotAnAmount()
    {
        var key = ApprovalKeyArguments.Of("""{"amount":"lots","order":"A-1"}""");

        Assert.Null(key.Amount);
        Assert.Equal("A-1", key.Target);
    }

    [Fact]
    public void Of_MailWithoutSchema_ReadsTheRecipientByName()
    {
        var key = ApprovalKeyArguments.Of("""{"to":"[REDACTED:email]","subject":"hi"}""");

        Assert.Equal("to", key.RecipientName);
        Assert.Equal("[REDACTED:email]", key.Recipient);
        Assert.False(key.IsEmpty);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("[1,2]")]
    [InlineData("""{"amount":25,"ord""")]
    public void Of_NothingReadable_IsEmpty(string? arguments)
    {
        Assert.True(ApprovalKeyArguments.Of(arguments).IsEmpty);
    }
}
