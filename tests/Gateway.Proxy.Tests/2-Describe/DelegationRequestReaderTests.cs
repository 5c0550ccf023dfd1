using System.Text;
using Gateway.Proxy.Describe;

namespace Gateway.Proxy.Tests.Describe;

public sealed class DelegationRequestReaderTests
{
    private static readonly string LongName = new('m', 10_000);

    [Theory]
    [InlineData("""{"name":"x","permissions":[{"tool":"crm.read_contact"}],"NAME":1}""", "The body is not valid for this route at $.{1}… (line 1, byte 10060): unknown member '{0}'.")]
    [InlineData("""{"name":"x","permissions":[{"tool":"crm.read_contact","NAME":1}]}""", "The body is not valid for this route at $.permissions[0].{2}… (line 1, byte 10058): unknown member '{0}'.")]
    public void Read_UnknownMemberWithALongName_QuotesItCutShort(string template, string expected)
    {
        var body = template.Replace("NAME", LongName, StringComparison.Ordinal);

        var (request, error) = DelegationRequestReader.Read(Encoding.UTF8.GetBytes(body));

        Assert.Null(request);
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, LongName[..64] + "…", LongName[..62], LongName[..47]), error);
    }
}
