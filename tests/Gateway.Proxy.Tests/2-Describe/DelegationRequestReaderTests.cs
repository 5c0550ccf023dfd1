using System.Text;
using Gateway.Proxy.Describe;

namespace Gateway.Proxy.Tests.Describe;

public sealed class DelegationRequestReaderTests
{
    private static readonly string LongName = new('m', 10_000);

    [Theory]
    [InlineData("""{"name":"x","permissions":[{"tool":"crm.read_contact"}],"NAME":1}""", "Unknown member '{0}'.")]
    [InlineData("""{"name":"x","permissions":[{"tool":"crm.read_contact","NAME":1}]}""", "Unknown member '{0}' in a permission.")]
    public void Read_UnknownMemberWithALongName_QuotesItCutShort(string template, string expected)
    {
        var body = template.Replace("NAME", LongName, StringComparison.Ordinal);

        var (request, error) = DelegationRequestReader.Read(Encoding.UTF8.GetBytes(body));

        Assert.Null(request);
        Assert.Equal(string.Format(System.Globalization.CultureInfo.InvariantCulture, expected, LongName[..64] + "…"), error);
    }
}
