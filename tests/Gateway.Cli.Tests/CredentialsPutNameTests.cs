namespace Gateway.Cli.Tests;

/// <summary>
/// <c>credentials put</c> (and <c>rotate</c>) refuse a name outside the admin API's credential-name grammar or shaped like a
/// secret, the value given where the name goes (<c>credentials put --tenant acme "$TOKEN"</c>): exit 6, the name never
/// shown, the value on standard input never read and nothing sent.
/// </summary>
public sealed class CredentialsPutNameTests
{
    [Theory]
    [InlineData("put", "sk-live-0123456789abcdef", "looks like a secret")]
    [InlineData("put", "ghp_0123456789abcdefABCDEF0123456789abcd", "looks like a secret")]
    [InlineData("put", "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJib2IifQ.c2ln", "looks like a secret")]
    [InlineData("put", "AKIAIOSFODNN7EXAMPLE", "looks like a secret")]
    [InlineData("put", "s3cr3t-Passw0rd!", "must be a letter or digit")]
    [InlineData("put", "Bearer abc", "must be a letter or digit")]
    [InlineData("rotate", "xoxb-1234567890-abcdefghij", "looks like a secret")]
    [InlineData("put", "3f9a0c1d2e4b5a6978877665544332211aabbccd", "looks like a secret")]
    public async Task Put_NameThatIsNoCredentialName_IsRefusedUnquotedBeforeTheValueIsRead(string verb, string name, string why)
    {
        var stdin = new StringReader("the-real-value\n");

        var result = await CliRun.RunWithInputAsync(null, stdin, true, "credentials", verb, "--tenant", "acme", name);

        Assert.Equal(ExitCodes.InvalidInput, result.ExitCode);
        Assert.StartsWith("error: invalid_input: the credential name (not shown) " + why, result.Error.Trim(), StringComparison.Ordinal);
        Assert.Contains("--from-file", result.Error, StringComparison.Ordinal);
        Assert.DoesNotContain(name, result.Error + result.Out, StringComparison.Ordinal);
        Assert.Equal("the-real-value\n", await stdin.ReadToEndAsync());
    }

    [Theory]
    [InlineData("crm-key")]
    [InlineData("openai.prod_2024")]
    [InlineData("stripeKey2024abcdefgh")]
    [InlineData("docs-link-client")]
    public void Refusal_OrdinaryName_IsNone(string name) => Assert.Null(CredentialNames.Refusal(name));
}
