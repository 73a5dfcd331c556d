using FhirBulk.Views;

namespace FhirBulk.Tests.Views;

public class SqlTypeTests
{
    [Theory]
    [InlineData("BOOLEAN", "BOOLEAN")]
    [InlineData("INT", "INT")]
    [InlineData("integer", "INT")]
    [InlineData("BIGINT", "BIGINT")]
    [InlineData("DECIMAL(38,9)", "DECIMAL(38,9)")]
    [InlineData("numeric( 5 , 2 )", "DECIMAL(5,2)")]
    [InlineData("DECIMAL(10)", "DECIMAL(10,0)")]
    [InlineData("DOUBLE", "DOUBLE")]
    [InlineData("DOUBLE PRECISION", "DOUBLE")]
    [InlineData("DATE", "DATE")]
    [InlineData("TIME", "TIME")]
    [InlineData("TIMESTAMP", "TIMESTAMP")]
    [InlineData("timestamp  with time zone", "TIMESTAMP WITH TIME ZONE")]
    [InlineData("CHARACTER VARYING", "CHARACTER VARYING")]
    [InlineData("VARCHAR", "CHARACTER VARYING")]
    [InlineData("BINARY", "BINARY")]
    [InlineData("VARBINARY", "BINARY")]
    public void Parse_AnsiSpelling_ReadsTheTypeAndWritesItsAnsiName(string text, string expected)
    {
        SqlType type = SqlType.Parse(text);

        Assert.Equal(expected, type.ToString());
        Assert.Equal(type, SqlType.Parse(type.ToString()));
    }

    [Theory]
    [InlineData("DATEE", "'DATEE' is not a SQL type FhirBulk stores")]
    [InlineData("DECIMAL", "give DECIMAL its precision and scale")]
    [InlineData("DECIMAL(39,2)", "1 <= p <= 38")]
    [InlineData("DECIMAL(5,6)", "0 <= s <= p")]
    [InlineData("VARCHAR(10)", "takes no length")]
    [InlineData("", "is not a SQL type")]
    public void Parse_UnknownOrIncompleteType_FormatExceptionSayingWhy(string text, string expected)
    {
        var ex = Assert.Throws<FormatException>(() => SqlType.Parse(text));

        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("boolean", "BOOLEAN")]
    [InlineData("integer", "INT")]
    [InlineData("positiveInt", "INT")]
    [InlineData("unsignedInt", "INT")]
    [InlineData("integer64", "BIGINT")]
    [InlineData("instant", "TIMESTAMP WITH TIME ZONE")]
    [InlineData("base64Binary", "BINARY")]
    [InlineData("decimal", "CHARACTER VARYING")]
    [InlineData("date", "CHARACTER VARYING")]
    [InlineData("dateTime", "CHARACTER VARYING")]
    [InlineData("time", "CHARACTER VARYING")]
    [InlineData("code", "CHARACTER VARYING")]
    [InlineData(null, "CHARACTER VARYING")]
    public void ForFhirType_SqlOnFhirDefaultTypeMappings(string? fhirType, string expected)
    {
        Assert.Equal(expected, SqlType.ForFhirType(fhirType).ToString());
    }

    [Fact]
    public void ViewColumn_DeclaredType_OverridesTheDefault()
    {
        var column = new ViewColumn("born", "date", false, SqlType.Parse("DATE"));

        Assert.Equal(SqlTypeKind.Date, column.SqlType.Kind);
        Assert.Equal(SqlTypeKind.CharacterVarying, (column with { DeclaredType = null }).SqlType.Kind);
    }
}
