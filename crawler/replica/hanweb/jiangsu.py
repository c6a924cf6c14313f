"""Jiangsu's thirteen cities and their counties and districts, as the replica's stories name them.

The replica keeps its own copy of these names; the tracker reads config/jiangsu.toml. A test that passes
only because both read one file would prove nothing.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class City:
    name: str                       # 南京市
    counties: tuple[str, ...]       # 玄武区 … 江阴市: districts, counties and county-level cities


CITIES: tuple[City, ...] = (
    City("南京市", ("玄武区", "秦淮区", "建邺区", "鼓楼区", "浦口区", "栖霞区", "雨花台区", "江宁区", "六合区", "溧水区",
                   "高淳区")),
    City("无锡市", ("梁溪区", "锡山区", "惠山区", "滨湖区", "新吴区", "江阴市", "宜兴市")),
    City("徐州市", ("鼓楼区", "云龙区", "贾汪区", "泉山区", "铜山区", "丰县", "沛县", "睢宁县", "新沂市", "邳州市")),
    City("常州市", ("天宁区", "钟楼区", "新北区", "武进区", "金坛区", "溧阳市")),
    City("苏州市", ("姑苏区", "虎丘区", "吴中区", "相城区", "吴江区", "常熟市", "张家港市", "昆山市", "太仓市")),
    City("南通市", ("崇川区", "通州区", "海门区", "如东县", "启东市", "如皋市", "海安市")),
    City("连云港市", ("连云区", "海州区", "赣榆区", "东海县", "灌云县", "灌南县")),
    City("淮安市", ("清江浦区", "淮安区", "淮阴区", "洪泽区", "涟水县", "盱眙县", "金湖县")),
    City("盐城市", ("亭湖区", "盐都区", "大丰区", "响水县", "滨海县", "阜宁县", "射阳县", "建湖县", "东台市")),
    City("扬州市", ("广陵区", "邗江区", "江都区", "宝应县", "仪征市", "高邮市")),
    City("镇江市", ("京口区", "润州区", "丹徒区", "丹阳市", "扬中市", "句容市")),
    City("泰州市", ("海陵区", "高港区", "姜堰区", "兴化市", "靖江市", "泰兴市")),
    City("宿迁市", ("宿城区", "宿豫区", "沭阳县", "泗阳县", "泗洪县")),
)
CITY_BY_NAME = {c.name: c for c in CITIES}
OTHER_CITIES = tuple(c for c in CITIES if c.name != "常州市")


def union_of(city: City, county: str | None) -> str:
    """The full name a provincial title leads with: 徐州市总工会, 苏州市吴中区总工会, 江阴市总工会 (no city prefix)."""
    if county is None:
        return f"{city.name}总工会"
    if county.endswith("市"):
        return f"{county}总工会"
    return f"{city.name}{county}总工会"


def short_union(county: str) -> str:
    """How a signature line names a county union: 吴中区总工会, 江阴市总工会."""
    return f"{county}总工会"


# A few towns per city, for stories' places; none of them share a name with a Changzhou town.
TOWNS: dict[str, tuple[str, ...]] = {
    "南京市": ("淳化街道", "汤山街道", "东山街道"), "无锡市": ("东港镇", "洛社镇", "周铁镇"),
    "徐州市": ("柳泉镇", "大许镇", "汉王镇"), "苏州市": ("木渎镇", "甪直镇", "周庄镇"),
    "南通市": ("金沙街道", "三厂街道", "余东镇"), "连云港市": ("墟沟街道", "青口镇", "板浦镇"),
    "淮安市": ("钦工镇", "码头镇", "蒋坝镇"), "盐城市": ("南洋镇", "草堰镇", "白驹镇"),
    "扬州市": ("瓜洲镇", "邵伯镇", "菱塘乡"), "镇江市": ("宝堰镇", "茅山镇", "新丰镇"),
    "泰州市": ("溱潼镇", "沈高镇", "黄桥镇"), "宿迁市": ("皂河镇", "龙河镇", "洋河镇"),
}
