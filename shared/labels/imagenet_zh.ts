/**
 * Chinese names of the 1000 ImageNet (ILSVRC-2012) classes, in class-index order, written by
 * the team for this project. The comment after each entry is the first English synonym of
 * the WordNet synset (from `IMAGENET_EN`) so a reader can check the pairing line by line.
 *
 * @module
 */

/** `IMAGENET_ZH[i]` names ImageNet class i in Chinese. */
export const IMAGENET_ZH: readonly string[] = [
  "丁鲷", // 0 tench
  "金鱼", // 1 goldfish
  "大白鲨", // 2 great white shark
  "虎鲨", // 3 tiger shark
  "锤头鲨", // 4 hammerhead
  "电鳐", // 5 electric ray
  "黄貂鱼", // 6 stingray
  "公鸡", // 7 cock
  "母鸡", // 8 hen
  "鸵鸟", // 9 ostrich
  "燕雀", // 10 brambling
  "金翅雀", // 11 goldfinch
  "家朱雀", // 12 house finch
  "灯芯草雀", // 13 junco
  "靛蓝彩鹀", // 14 indigo bunting
  "美洲知更鸟", // 15 robin
  "鹎", // 16 bulbul
  "松鸦", // 17 jay
  "喜鹊", // 18 magpie
  "山雀", // 19 chickadee
  "河乌", // 20 water ouzel
  "鸢", // 21 kite
  "白头海雕", // 22 bald eagle
  "秃鹫", // 23 vulture
  "乌林鸮", // 24 great grey owl
  "欧洲火蝾螈", // 25 European fire salamander
  "普通蝾螈", // 26 common newt
  "水蜥", // 27 eft
  "斑点钝口螈", // 28 spotted salamander
  "美西螈", // 29 axolotl
  "牛蛙", // 30 bullfrog
  "树蛙", // 31 tree frog
  "尾蟾", // 32 tailed frog
  "蠵龟", // 33 loggerhead
  "棱皮龟", // 34 leatherback turtle
  "泥龟", // 35 mud turtle
  "水龟", // 36 terrapin
  "箱龟", // 37 box turtle
  "带纹壁虎", // 38 banded gecko
  "美洲鬣蜥", // 39 common iguana
  "变色安乐蜥", // 40 American chameleon
  "鞭尾蜥", // 41 whiptail
  "鬣蜥", // 42 agama
  "伞蜥", // 43 frilled lizard
  "鳄蜥", // 44 alligator lizard
  "希拉毒蜥", // 45 Gila monster
  "绿蜥蜴", // 46 green lizard
  "非洲变色龙", // 47 African chameleon
  "科莫多巨蜥", // 48 Komodo dragon
  "非洲鳄", // 49 African crocodile
  "美洲短吻鳄", // 50 American alligator
  "三角龙", // 51 triceratops
  "雷蛇", // 52 thunder snake
  "环颈蛇", // 53 ringneck snake
  "猪鼻蛇", // 54 hognose snake
  "绿蛇", // 55 green snake
  "王蛇", // 56 king snake
  "束带蛇", // 57 garter snake
  "水蛇", // 58 water snake
  "藤蛇", // 59 vine snake
  "夜蛇", // 60 night snake
  "蟒蛇", // 61 boa constrictor
  "岩蟒", // 62 rock python
  "印度眼镜蛇", // 63 Indian cobra
  "绿曼巴蛇", // 64 green mamba
  "海蛇", // 65 sea snake
  "角蝰", // 66 horned viper
  "菱背响尾蛇", // 67 diamondback
  "角响尾蛇", // 68 sidewinder
  "三叶虫", // 69 trilobite
  "盲蛛", // 70 harvestman
  "蝎子", // 71 scorpion
  "黑黄园蛛", // 72 black and gold garden spider
  "谷仓蜘蛛", // 73 barn spider
  "园蛛", // 74 garden spider
  "黑寡妇蜘蛛", // 75 black widow
  "狼蛛", // 76 tarantula
  "狼蜘蛛", // 77 wolf spider
  "蜱虫", // 78 tick
  "蜈蚣", // 79 centipede
  "黑琴鸡", // 80 black grouse
  "雷鸟", // 81 ptarmigan
  "披肩榛鸡", // 82 ruffed grouse
  "草原榛鸡", // 83 prairie chicken
  "孔雀", // 84 peacock
  "鹌鹑", // 85 quail
  "山鹑", // 86 partridge
  "非洲灰鹦鹉", // 87 African grey
  "金刚鹦鹉", // 88 macaw
  "葵花凤头鹦鹉", // 89 sulphur-crested cockatoo
  "吸蜜鹦鹉", // 90 lorikeet
  "鸦鹃", // 91 coucal
  "蜂虎", // 92 bee eater
  "犀鸟", // 93 hornbill
  "蜂鸟", // 94 hummingbird
  "鹟䴕", // 95 jacamar
  "巨嘴鸟", // 96 toucan
  "公鸭", // 97 drake
  "红胸秋沙鸭", // 98 red-breasted merganser
  "鹅", // 99 goose
  "黑天鹅", // 100 black swan
  "长牙象", // 101 tusker
  "针鼹", // 102 echidna
  "鸭嘴兽", // 103 platypus
  "沙袋鼠", // 104 wallaby
  "考拉", // 105 koala
  "袋熊", // 106 wombat
  "水母", // 107 jelly fish
  "海葵", // 108 sea anemone
  "脑珊瑚", // 109 brain coral
  "扁虫", // 110 flatworm
  "线虫", // 111 nematode
  "海螺", // 112 conch
  "蜗牛", // 113 snail
  "蛞蝓", // 114 slug
  "海蛞蝓", // 115 sea slug
  "石鳖", // 116 chiton
  "鹦鹉螺", // 117 chambered nautilus
  "珍宝蟹", // 118 Dungeness crab
  "岩蟹", // 119 rock crab
  "招潮蟹", // 120 fiddler crab
  "帝王蟹", // 121 king crab
  "美洲龙虾", // 122 American lobster
  "刺龙虾", // 123 spiny lobster
  "小龙虾", // 124 crayfish
  "寄居蟹", // 125 hermit crab
  "等足目动物", // 126 isopod
  "白鹳", // 127 white stork
  "黑鹳", // 128 black stork
  "琵鹭", // 129 spoonbill
  "火烈鸟", // 130 flamingo
  "小蓝鹭", // 131 little blue heron
  "美洲白鹭", // 132 American egret
  "麻鳽", // 133 bittern
  "鹤", // 134 crane
  "秧鹤", // 135 limpkin
  "欧洲紫水鸡", // 136 European gallinule
  "美洲骨顶", // 137 American coot
  "鸨", // 138 bustard
  "翻石鹬", // 139 ruddy turnstone
  "黑腹滨鹬", // 140 red-backed sandpiper
  "红脚鹬", // 141 redshank
  "半蹼鹬", // 142 dowitcher
  "蛎鹬", // 143 oystercatcher
  "鹈鹕", // 144 pelican
  "王企鹅", // 145 king penguin
  "信天翁", // 146 albatross
  "灰鲸", // 147 grey whale
  "虎鲸", // 148 killer whale
  "儒艮", // 149 dugong
  "海狮", // 150 sea lion
  "吉娃娃", // 151 Chihuahua
  "日本狆", // 152 Japanese spaniel
  "马尔济斯犬", // 153 Maltese dog
  "北京犬", // 154 Pekinese
  "西施犬", // 155 Shih-Tzu
  "布伦海姆猎犬", // 156 Blenheim spaniel
  "蝴蝶犬", // 157 papillon
  "玩具梗", // 158 toy terrier
  "罗得西亚脊背犬", // 159 Rhodesian ridgeback
  "阿富汗猎犬", // 160 Afghan hound
  "巴吉度猎犬", // 161 basset
  "比格犬", // 162 beagle
  "寻血猎犬", // 163 bloodhound
  "蓝色快狗", // 164 bluetick
  "黑褐猎浣熊犬", // 165 black-and-tan coonhound
  "沃克猎犬", // 166 Walker hound
  "英国猎狐犬", // 167 English foxhound
  "红骨猎浣熊犬", // 168 redbone
  "俄罗斯猎狼犬", // 169 borzoi
  "爱尔兰猎狼犬", // 170 Irish wolfhound
  "意大利灰狗", // 171 Italian greyhound
  "惠比特犬", // 172 whippet
  "伊比沙猎犬", // 173 Ibizan hound
  "挪威猎鹿犬", // 174 Norwegian elkhound
  "奥达猎犬", // 175 otterhound
  "萨路基猎犬", // 176 Saluki
  "苏格兰猎鹿犬", // 177 Scottish deerhound
  "威玛猎犬", // 178 Weimaraner
  "斯塔福郡斗牛梗", // 179 Staffordshire bullterrier
  "美国斯塔福郡梗", // 180 American Staffordshire terrier
  "贝德灵顿梗", // 181 Bedlington terrier
  "边境梗", // 182 Border terrier
  "凯利蓝梗", // 183 Kerry blue terrier
  "爱尔兰梗", // 184 Irish terrier
  "诺福克梗", // 185 Norfolk terrier
  "诺维奇梗", // 186 Norwich terrier
  "约克夏梗", // 187 Yorkshire terrier
  "刚毛猎狐梗", // 188 wire-haired fox terrier
  "湖畔梗", // 189 Lakeland terrier
  "锡利哈姆梗", // 190 Sealyham terrier
  "万能梗", // 191 Airedale
  "凯恩梗", // 192 cairn
  "澳大利亚梗", // 193 Australian terrier
  "丹迪丁蒙梗", // 194 Dandie Dinmont
  "波士顿梗", // 195 Boston bull
  "迷你雪纳瑞", // 196 miniature schnauzer
  "巨型雪纳瑞", // 197 giant schnauzer
  "标准雪纳瑞", // 198 standard schnauzer
  "苏格兰梗", // 199 Scotch terrier
  "西藏梗", // 200 Tibetan terrier
  "丝毛梗", // 201 silky terrier
  "软毛麦色梗", // 202 soft-coated wheaten terrier
  "西高地白梗", // 203 West Highland white terrier
  "拉萨犬", // 204 Lhasa
  "平毛寻回犬", // 205 flat-coated retriever
  "卷毛寻回犬", // 206 curly-coated retriever
  "金毛寻回犬", // 207 golden retriever
  "拉布拉多寻回犬", // 208 Labrador retriever
  "切萨皮克湾寻回犬", // 209 Chesapeake Bay retriever
  "德国短毛指示犬", // 210 German short-haired pointer
  "维兹拉犬", // 211 vizsla
  "英国塞特犬", // 212 English setter
  "爱尔兰塞特犬", // 213 Irish setter
  "戈登塞特犬", // 214 Gordon setter
  "布列塔尼猎犬", // 215 Brittany spaniel
  "克伦伯猎犬", // 216 clumber
  "英国史宾格犬", // 217 English springer
  "威尔士史宾格犬", // 218 Welsh springer spaniel
  "可卡犬", // 219 cocker spaniel
  "苏塞克斯猎犬", // 220 Sussex spaniel
  "爱尔兰水猎犬", // 221 Irish water spaniel
  "库瓦兹犬", // 222 kuvasz
  "史奇派克犬", // 223 schipperke
  "格罗安达犬", // 224 groenendael
  "马林诺斯犬", // 225 malinois
  "伯瑞犬", // 226 briard
  "澳大利亚卡尔比犬", // 227 kelpie
  "可蒙犬", // 228 komondor
  "英国古代牧羊犬", // 229 Old English sheepdog
  "喜乐蒂牧羊犬", // 230 Shetland sheepdog
  "柯利牧羊犬", // 231 collie
  "边境牧羊犬", // 232 Border collie
  "法兰德斯畜牧犬", // 233 Bouvier des Flandres
  "罗威纳犬", // 234 Rottweiler
  "德国牧羊犬", // 235 German shepherd
  "杜宾犬", // 236 Doberman
  "迷你杜宾犬", // 237 miniature pinscher
  "大瑞士山地犬", // 238 Greater Swiss Mountain dog
  "伯恩山犬", // 239 Bernese mountain dog
  "阿彭策尔山犬", // 240 Appenzeller
  "恩特布赫山犬", // 241 EntleBucher
  "拳师犬", // 242 boxer
  "斗牛獒", // 243 bull mastiff
  "藏獒", // 244 Tibetan mastiff
  "法国斗牛犬", // 245 French bulldog
  "大丹犬", // 246 Great Dane
  "圣伯纳犬", // 247 Saint Bernard
  "爱斯基摩犬", // 248 Eskimo dog
  "阿拉斯加雪橇犬", // 249 malamute
  "西伯利亚哈士奇", // 250 Siberian husky
  "斑点狗", // 251 dalmatian
  "猴头梗", // 252 affenpinscher
  "巴仙吉犬", // 253 basenji
  "巴哥犬", // 254 pug
  "莱昂伯格犬", // 255 Leonberg
  "纽芬兰犬", // 256 Newfoundland
  "大白熊犬", // 257 Great Pyrenees
  "萨摩耶犬", // 258 Samoyed
  "博美犬", // 259 Pomeranian
  "松狮犬", // 260 chow
  "荷兰毛狮犬", // 261 keeshond
  "布鲁塞尔格里芬犬", // 262 Brabancon griffon
  "彭布罗克威尔士柯基犬", // 263 Pembroke
  "卡迪根威尔士柯基犬", // 264 Cardigan
  "玩具贵宾犬", // 265 toy poodle
  "迷你贵宾犬", // 266 miniature poodle
  "标准贵宾犬", // 267 standard poodle
  "墨西哥无毛犬", // 268 Mexican hairless
  "灰狼", // 269 timber wolf
  "白狼", // 270 white wolf
  "红狼", // 271 red wolf
  "郊狼", // 272 coyote
  "澳洲野犬", // 273 dingo
  "豺", // 274 dhole
  "非洲野犬", // 275 African hunting dog
  "鬣狗", // 276 hyena
  "赤狐", // 277 red fox
  "敏狐", // 278 kit fox
  "北极狐", // 279 Arctic fox
  "灰狐", // 280 grey fox
  "虎斑猫", // 281 tabby
  "虎猫", // 282 tiger cat
  "波斯猫", // 283 Persian cat
  "暹罗猫", // 284 Siamese cat
  "埃及猫", // 285 Egyptian cat
  "美洲狮", // 286 cougar
  "猞猁", // 287 lynx
  "豹", // 288 leopard
  "雪豹", // 289 snow leopard
  "美洲豹", // 290 jaguar
  "狮子", // 291 lion
  "老虎", // 292 tiger
  "猎豹", // 293 cheetah
  "棕熊", // 294 brown bear
  "美洲黑熊", // 295 American black bear
  "北极熊", // 296 ice bear
  "懒熊", // 297 sloth bear
  "猫鼬", // 298 mongoose
  "狐獴", // 299 meerkat
  "虎甲虫", // 300 tiger beetle
  "瓢虫", // 301 ladybug
  "步甲", // 302 ground beetle
  "天牛", // 303 long-horned beetle
  "叶甲", // 304 leaf beetle
  "蜣螂", // 305 dung beetle
  "犀牛甲虫", // 306 rhinoceros beetle
  "象鼻虫", // 307 weevil
  "苍蝇", // 308 fly
  "蜜蜂", // 309 bee
  "蚂蚁", // 310 ant
  "蚱蜢", // 311 grasshopper
  "蟋蟀", // 312 cricket
  "竹节虫", // 313 walking stick
  "蟑螂", // 314 cockroach
  "螳螂", // 315 mantis
  "蝉", // 316 cicada
  "叶蝉", // 317 leafhopper
  "草蛉", // 318 lacewing
  "蜻蜓", // 319 dragonfly
  "豆娘", // 320 damselfly
  "红纹蛱蝶", // 321 admiral
  "眼蝶", // 322 ringlet
  "帝王蝶", // 323 monarch
  "菜粉蝶", // 324 cabbage butterfly
  "黄粉蝶", // 325 sulphur butterfly
  "灰蝶", // 326 lycaenid
  "海星", // 327 starfish
  "海胆", // 328 sea urchin
  "海参", // 329 sea cucumber
  "棉尾兔", // 330 wood rabbit
  "野兔", // 331 hare
  "安哥拉兔", // 332 Angora
  "仓鼠", // 333 hamster
  "豪猪", // 334 porcupine
  "狐松鼠", // 335 fox squirrel
  "土拨鼠", // 336 marmot
  "河狸", // 337 beaver
  "豚鼠", // 338 guinea pig
  "栗色马", // 339 sorrel
  "斑马", // 340 zebra
  "猪", // 341 hog
  "野猪", // 342 wild boar
  "疣猪", // 343 warthog
  "河马", // 344 hippopotamus
  "公牛", // 345 ox
  "水牛", // 346 water buffalo
  "野牛", // 347 bison
  "公羊", // 348 ram
  "大角羊", // 349 bighorn
  "北山羊", // 350 ibex
  "狷羚", // 351 hartebeest
  "黑斑羚", // 352 impala
  "瞪羚", // 353 gazelle
  "单峰骆驼", // 354 Arabian camel
  "美洲驼", // 355 llama
  "黄鼠狼", // 356 weasel
  "水貂", // 357 mink
  "艾鼬", // 358 polecat
  "黑足鼬", // 359 black-footed ferret
  "水獭", // 360 otter
  "臭鼬", // 361 skunk
  "獾", // 362 badger
  "犰狳", // 363 armadillo
  "三趾树懒", // 364 three-toed sloth
  "猩猩", // 365 orangutan
  "大猩猩", // 366 gorilla
  "黑猩猩", // 367 chimpanzee
  "长臂猿", // 368 gibbon
  "合趾猿", // 369 siamang
  "长尾猴", // 370 guenon
  "赤猴", // 371 patas
  "狒狒", // 372 baboon
  "猕猴", // 373 macaque
  "叶猴", // 374 langur
  "疣猴", // 375 colobus
  "长鼻猴", // 376 proboscis monkey
  "狨猴", // 377 marmoset
  "卷尾猴", // 378 capuchin
  "吼猴", // 379 howler monkey
  "伶猴", // 380 titi
  "蛛猴", // 381 spider monkey
  "松鼠猴", // 382 squirrel monkey
  "环尾狐猴", // 383 Madagascar cat
  "大狐猴", // 384 indri
  "亚洲象", // 385 Indian elephant
  "非洲象", // 386 African elephant
  "小熊猫", // 387 lesser panda
  "大熊猫", // 388 giant panda
  "杖鱼", // 389 barracouta
  "鳗鱼", // 390 eel
  "银鲑", // 391 coho
  "岩美神仙鱼", // 392 rock beauty
  "小丑鱼", // 393 anemone fish
  "鲟鱼", // 394 sturgeon
  "雀鳝", // 395 gar
  "狮子鱼", // 396 lionfish
  "河豚", // 397 puffer
  "算盘", // 398 abacus
  "阿拉伯长袍", // 399 abaya
  "学位袍", // 400 academic gown
  "手风琴", // 401 accordion
  "原声吉他", // 402 acoustic guitar
  "航空母舰", // 403 aircraft carrier
  "客机", // 404 airliner
  "飞艇", // 405 airship
  "祭坛", // 406 altar
  "救护车", // 407 ambulance
  "水陆两用车", // 408 amphibian
  "模拟时钟", // 409 analog clock
  "养蜂场", // 410 apiary
  "围裙", // 411 apron
  "垃圾桶", // 412 ashcan
  "突击步枪", // 413 assault rifle
  "背包", // 414 backpack
  "面包店", // 415 bakery
  "平衡木", // 416 balance beam
  "气球", // 417 balloon
  "圆珠笔", // 418 ballpoint
  "创可贴", // 419 Band Aid
  "班卓琴", // 420 banjo
  "楼梯扶手", // 421 bannister
  "杠铃", // 422 barbell
  "理发椅", // 423 barber chair
  "理发店", // 424 barbershop
  "谷仓", // 425 barn
  "气压计", // 426 barometer
  "桶", // 427 barrel
  "手推车", // 428 barrow
  "棒球", // 429 baseball
  "篮球", // 430 basketball
  "带篷婴儿摇篮", // 431 bassinet
  "巴松管", // 432 bassoon
  "泳帽", // 433 bathing cap
  "浴巾", // 434 bath towel
  "浴缸", // 435 bathtub
  "旅行车", // 436 beach wagon
  "灯塔", // 437 beacon
  "烧杯", // 438 beaker
  "熊皮高帽", // 439 bearskin
  "啤酒瓶", // 440 beer bottle
  "啤酒杯", // 441 beer glass
  "钟楼", // 442 bell cote
  "围嘴", // 443 bib
  "双人自行车", // 444 bicycle-built-for-two
  "比基尼", // 445 bikini
  "活页夹", // 446 binder
  "双筒望远镜", // 447 binoculars
  "鸟屋", // 448 birdhouse
  "船屋", // 449 boathouse
  "雪橇", // 450 bobsled
  "波洛领带", // 451 bolo tie
  "女式软帽", // 452 bonnet
  "书柜", // 453 bookcase
  "书店", // 454 bookshop
  "瓶盖", // 455 bottlecap
  "弓", // 456 bow
  "领结", // 457 bow tie
  "铜管乐器", // 458 brass
  "胸罩", // 459 brassiere
  "防波堤", // 460 breakwater
  "胸甲", // 461 breastplate
  "扫帚", // 462 broom
  "水桶", // 463 bucket
  "皮带扣", // 464 buckle
  "防弹背心", // 465 bulletproof vest
  "高速列车", // 466 bullet train
  "肉铺", // 467 butcher shop
  "出租车", // 468 cab
  "大锅", // 469 caldron
  "蜡烛", // 470 candle
  "大炮", // 471 cannon
  "独木舟", // 472 canoe
  "开罐器", // 473 can opener
  "开襟毛衣", // 474 cardigan
  "汽车后视镜", // 475 car mirror
  "旋转木马", // 476 carousel
  "木匠工具箱", // 477 carpenter's kit
  "纸箱", // 478 carton
  "车轮", // 479 car wheel
  "自动取款机", // 480 cash machine
  "磁带", // 481 cassette
  "磁带播放器", // 482 cassette player
  "城堡", // 483 castle
  "双体船", // 484 catamaran
  "CD播放器", // 485 CD player
  "大提琴", // 486 cello
  "手机", // 487 cellular telephone
  "链条", // 488 chain
  "铁丝网围栏", // 489 chainlink fence
  "锁子甲", // 490 chain mail
  "电锯", // 491 chain saw
  "箱子", // 492 chest
  "五斗柜", // 493 chiffonier
  "风铃", // 494 chime
  "瓷器柜", // 495 china cabinet
  "圣诞袜", // 496 Christmas stocking
  "教堂", // 497 church
  "电影院", // 498 cinema
  "切肉刀", // 499 cleaver
  "悬崖住所", // 500 cliff dwelling
  "斗篷", // 501 cloak
  "木屐", // 502 clog
  "鸡尾酒调酒器", // 503 cocktail shaker
  "咖啡杯", // 504 coffee mug
  "咖啡壶", // 505 coffeepot
  "线圈", // 506 coil
  "密码锁", // 507 combination lock
  "电脑键盘", // 508 computer keyboard
  "糖果店", // 509 confectionery
  "集装箱船", // 510 container ship
  "敞篷车", // 511 convertible
  "开瓶器", // 512 corkscrew
  "短号", // 513 cornet
  "牛仔靴", // 514 cowboy boot
  "牛仔帽", // 515 cowboy hat
  "摇篮", // 516 cradle
  "起重机", // 517 crane
  "防撞头盔", // 518 crash helmet
  "板条箱", // 519 crate
  "婴儿床", // 520 crib
  "慢炖锅", // 521 Crock Pot
  "槌球", // 522 croquet ball
  "拐杖", // 523 crutch
  "护胸甲", // 524 cuirass
  "水坝", // 525 dam
  "书桌", // 526 desk
  "台式电脑", // 527 desktop computer
  "拨号电话", // 528 dial telephone
  "尿布", // 529 diaper
  "数字时钟", // 530 digital clock
  "数字手表", // 531 digital watch
  "餐桌", // 532 dining table
  "洗碗布", // 533 dishrag
  "洗碗机", // 534 dishwasher
  "盘式制动器", // 535 disk brake
  "码头", // 536 dock
  "狗拉雪橇", // 537 dogsled
  "圆顶", // 538 dome
  "门垫", // 539 doormat
  "钻井平台", // 540 drilling platform
  "鼓", // 541 drum
  "鼓槌", // 542 drumstick
  "哑铃", // 543 dumbbell
  "荷兰烤锅", // 544 Dutch oven
  "电风扇", // 545 electric fan
  "电吉他", // 546 electric guitar
  "电力机车", // 547 electric locomotive
  "娱乐中心", // 548 entertainment center
  "信封", // 549 envelope
  "意式咖啡机", // 550 espresso maker
  "扑面粉", // 551 face powder
  "羽毛围巾", // 552 feather boa
  "文件柜", // 553 file
  "消防船", // 554 fireboat
  "消防车", // 555 fire engine
  "壁炉挡板", // 556 fire screen
  "旗杆", // 557 flagpole
  "长笛", // 558 flute
  "折叠椅", // 559 folding chair
  "橄榄球头盔", // 560 football helmet
  "叉车", // 561 forklift
  "喷泉", // 562 fountain
  "钢笔", // 563 fountain pen
  "四柱床", // 564 four-poster
  "货车车厢", // 565 freight car
  "圆号", // 566 French horn
  "平底锅", // 567 frying pan
  "毛皮大衣", // 568 fur coat
  "垃圾车", // 569 garbage truck
  "防毒面具", // 570 gasmask
  "加油泵", // 571 gas pump
  "高脚杯", // 572 goblet
  "卡丁车", // 573 go-kart
  "高尔夫球", // 574 golf ball
  "高尔夫球车", // 575 golfcart
  "贡多拉", // 576 gondola
  "锣", // 577 gong
  "礼服", // 578 gown
  "三角钢琴", // 579 grand piano
  "温室", // 580 greenhouse
  "散热器格栅", // 581 grille
  "杂货店", // 582 grocery store
  "断头台", // 583 guillotine
  "发夹", // 584 hair slide
  "发胶", // 585 hair spray
  "半履带车", // 586 half track
  "锤子", // 587 hammer
  "带盖篮子", // 588 hamper
  "吹风机", // 589 hand blower
  "掌上电脑", // 590 hand-held computer
  "手帕", // 591 handkerchief
  "硬盘", // 592 hard disc
  "口琴", // 593 harmonica
  "竖琴", // 594 harp
  "收割机", // 595 harvester
  "短柄斧", // 596 hatchet
  "枪套", // 597 holster
  "家庭影院", // 598 home theater
  "蜂巢", // 599 honeycomb
  "钩子", // 600 hook
  "裙撑", // 601 hoopskirt
  "单杠", // 602 horizontal bar
  "马车", // 603 horse cart
  "沙漏", // 604 hourglass
  "iPod", // 605 iPod
  "熨斗", // 606 iron
  "南瓜灯", // 607 jack-o'-lantern
  "牛仔裤", // 608 jean
  "吉普车", // 609 jeep
  "运动衫", // 610 jersey
  "拼图", // 611 jigsaw puzzle
  "人力车", // 612 jinrikisha
  "操纵杆", // 613 joystick
  "和服", // 614 kimono
  "护膝", // 615 knee pad
  "绳结", // 616 knot
  "实验服", // 617 lab coat
  "长柄勺", // 618 ladle
  "灯罩", // 619 lampshade
  "笔记本电脑", // 620 laptop
  "割草机", // 621 lawn mower
  "镜头盖", // 622 lens cap
  "拆信刀", // 623 letter opener
  "图书馆", // 624 library
  "救生艇", // 625 lifeboat
  "打火机", // 626 lighter
  "豪华轿车", // 627 limousine
  "远洋客轮", // 628 liner
  "口红", // 629 lipstick
  "乐福鞋", // 630 Loafer
  "乳液", // 631 lotion
  "扬声器", // 632 loudspeaker
  "放大镜", // 633 loupe
  "锯木厂", // 634 lumbermill
  "磁罗盘", // 635 magnetic compass
  "邮袋", // 636 mailbag
  "邮箱", // 637 mailbox
  "紧身衣", // 638 maillot
  "泳衣", // 639 maillot
  "井盖", // 640 manhole cover
  "沙锤", // 641 maraca
  "马林巴琴", // 642 marimba
  "面具", // 643 mask
  "火柴", // 644 matchstick
  "五月柱", // 645 maypole
  "迷宫", // 646 maze
  "量杯", // 647 measuring cup
  "药箱", // 648 medicine chest
  "巨石", // 649 megalith
  "麦克风", // 650 microphone
  "微波炉", // 651 microwave
  "军装", // 652 military uniform
  "奶桶", // 653 milk can
  "小巴", // 654 minibus
  "迷你裙", // 655 miniskirt
  "小型货车", // 656 minivan
  "导弹", // 657 missile
  "连指手套", // 658 mitten
  "搅拌碗", // 659 mixing bowl
  "活动房屋", // 660 mobile home
  "福特T型车", // 661 Model T
  "调制解调器", // 662 modem
  "修道院", // 663 monastery
  "显示器", // 664 monitor
  "轻便摩托车", // 665 moped
  "研钵", // 666 mortar
  "学位帽", // 667 mortarboard
  "清真寺", // 668 mosque
  "蚊帐", // 669 mosquito net
  "小型摩托车", // 670 motor scooter
  "山地自行车", // 671 mountain bike
  "登山帐篷", // 672 mountain tent
  "鼠标", // 673 mouse
  "捕鼠器", // 674 mousetrap
  "搬家货车", // 675 moving van
  "口套", // 676 muzzle
  "钉子", // 677 nail
  "颈托", // 678 neck brace
  "项链", // 679 necklace
  "奶嘴", // 680 nipple
  "笔记本", // 681 notebook
  "方尖碑", // 682 obelisk
  "双簧管", // 683 oboe
  "陶笛", // 684 ocarina
  "里程表", // 685 odometer
  "机油滤清器", // 686 oil filter
  "管风琴", // 687 organ
  "示波器", // 688 oscilloscope
  "罩裙", // 689 overskirt
  "牛车", // 690 oxcart
  "氧气面罩", // 691 oxygen mask
  "小包", // 692 packet
  "桨", // 693 paddle
  "明轮", // 694 paddlewheel
  "挂锁", // 695 padlock
  "画笔", // 696 paintbrush
  "睡衣", // 697 pajama
  "宫殿", // 698 palace
  "排箫", // 699 panpipe
  "纸巾", // 700 paper towel
  "降落伞", // 701 parachute
  "双杠", // 702 parallel bars
  "公园长椅", // 703 park bench
  "停车计时器", // 704 parking meter
  "客车车厢", // 705 passenger car
  "露台", // 706 patio
  "公用电话", // 707 pay-phone
  "基座", // 708 pedestal
  "铅笔盒", // 709 pencil box
  "卷笔刀", // 710 pencil sharpener
  "香水", // 711 perfume
  "培养皿", // 712 Petri dish
  "复印机", // 713 photocopier
  "鹤嘴锄", // 714 pick
  "尖顶头盔", // 715 pickelhaube
  "尖桩篱栅", // 716 picket fence
  "皮卡", // 717 pickup
  "栈桥", // 718 pier
  "存钱罐", // 719 piggy bank
  "药瓶", // 720 pill bottle
  "枕头", // 721 pillow
  "乒乓球", // 722 ping-pong ball
  "风车玩具", // 723 pinwheel
  "海盗船", // 724 pirate
  "水壶", // 725 pitcher
  "刨子", // 726 plane
  "天文馆", // 727 planetarium
  "塑料袋", // 728 plastic bag
  "碗碟架", // 729 plate rack
  "犁", // 730 plow
  "搋子", // 731 plunger
  "宝丽来相机", // 732 Polaroid camera
  "杆子", // 733 pole
  "警车", // 734 police van
  "斗篷雨衣", // 735 poncho
  "台球桌", // 736 pool table
  "汽水瓶", // 737 pop bottle
  "花盆", // 738 pot
  "陶轮", // 739 potter's wheel
  "电钻", // 740 power drill
  "祈祷毯", // 741 prayer rug
  "打印机", // 742 printer
  "监狱", // 743 prison
  "炮弹", // 744 projectile
  "投影仪", // 745 projector
  "冰球", // 746 puck
  "沙袋", // 747 punching bag
  "钱包", // 748 purse
  "羽毛笔", // 749 quill
  "被子", // 750 quilt
  "赛车", // 751 racer
  "球拍", // 752 racket
  "暖气片", // 753 radiator
  "收音机", // 754 radio
  "射电望远镜", // 755 radio telescope
  "雨水桶", // 756 rain barrel
  "房车", // 757 recreational vehicle
  "卷轴", // 758 reel
  "单反相机", // 759 reflex camera
  "冰箱", // 760 refrigerator
  "遥控器", // 761 remote control
  "餐厅", // 762 restaurant
  "左轮手枪", // 763 revolver
  "步枪", // 764 rifle
  "摇椅", // 765 rocking chair
  "烤肉架", // 766 rotisserie
  "橡皮擦", // 767 rubber eraser
  "橄榄球", // 768 rugby ball
  "直尺", // 769 rule
  "跑鞋", // 770 running shoe
  "保险箱", // 771 safe
  "安全别针", // 772 safety pin
  "盐瓶", // 773 saltshaker
  "凉鞋", // 774 sandal
  "纱笼", // 775 sarong
  "萨克斯管", // 776 sax
  "刀鞘", // 777 scabbard
  "秤", // 778 scale
  "校车", // 779 school bus
  "纵帆船", // 780 schooner
  "记分牌", // 781 scoreboard
  "屏风", // 782 screen
  "螺丝", // 783 screw
  "螺丝刀", // 784 screwdriver
  "安全带", // 785 seat belt
  "缝纫机", // 786 sewing machine
  "盾牌", // 787 shield
  "鞋店", // 788 shoe shop
  "日式拉门", // 789 shoji
  "购物篮", // 790 shopping basket
  "购物车", // 791 shopping cart
  "铲子", // 792 shovel
  "浴帽", // 793 shower cap
  "浴帘", // 794 shower curtain
  "滑雪板", // 795 ski
  "滑雪面罩", // 796 ski mask
  "睡袋", // 797 sleeping bag
  "计算尺", // 798 slide rule
  "推拉门", // 799 sliding door
  "老虎机", // 800 slot
  "呼吸管", // 801 snorkel
  "雪地摩托", // 802 snowmobile
  "扫雪车", // 803 snowplow
  "皂液器", // 804 soap dispenser
  "足球", // 805 soccer ball
  "袜子", // 806 sock
  "太阳能集热器", // 807 solar dish
  "墨西哥宽边帽", // 808 sombrero
  "汤碗", // 809 soup bowl
  "空格键", // 810 space bar
  "取暖器", // 811 space heater
  "航天飞机", // 812 space shuttle
  "锅铲", // 813 spatula
  "快艇", // 814 speedboat
  "蜘蛛网", // 815 spider web
  "纺锤", // 816 spindle
  "跑车", // 817 sports car
  "聚光灯", // 818 spotlight
  "舞台", // 819 stage
  "蒸汽机车", // 820 steam locomotive
  "钢拱桥", // 821 steel arch bridge
  "钢鼓", // 822 steel drum
  "听诊器", // 823 stethoscope
  "披肩", // 824 stole
  "石墙", // 825 stone wall
  "秒表", // 826 stopwatch
  "炉子", // 827 stove
  "滤网", // 828 strainer
  "有轨电车", // 829 streetcar
  "担架", // 830 stretcher
  "沙发床", // 831 studio couch
  "佛塔", // 832 stupa
  "潜水艇", // 833 submarine
  "西装", // 834 suit
  "日晷", // 835 sundial
  "墨镜", // 836 sunglass
  "太阳镜", // 837 sunglasses
  "防晒霜", // 838 sunscreen
  "悬索桥", // 839 suspension bridge
  "棉签", // 840 swab
  "卫衣", // 841 sweatshirt
  "泳裤", // 842 swimming trunks
  "秋千", // 843 swing
  "开关", // 844 switch
  "注射器", // 845 syringe
  "台灯", // 846 table lamp
  "坦克", // 847 tank
  "卡带机", // 848 tape player
  "茶壶", // 849 teapot
  "泰迪熊", // 850 teddy
  "电视机", // 851 television
  "网球", // 852 tennis ball
  "茅草屋顶", // 853 thatch
  "剧场幕布", // 854 theater curtain
  "顶针", // 855 thimble
  "脱粒机", // 856 thresher
  "王座", // 857 throne
  "瓦屋顶", // 858 tile roof
  "烤面包机", // 859 toaster
  "烟草店", // 860 tobacco shop
  "马桶座圈", // 861 toilet seat
  "火炬", // 862 torch
  "图腾柱", // 863 totem pole
  "拖车", // 864 tow truck
  "玩具店", // 865 toyshop
  "拖拉机", // 866 tractor
  "半挂卡车", // 867 trailer truck
  "托盘", // 868 tray
  "风衣", // 869 trench coat
  "三轮车", // 870 tricycle
  "三体船", // 871 trimaran
  "三脚架", // 872 tripod
  "凯旋门", // 873 triumphal arch
  "无轨电车", // 874 trolleybus
  "长号", // 875 trombone
  "浴盆", // 876 tub
  "旋转栅门", // 877 turnstile
  "打字机键盘", // 878 typewriter keyboard
  "雨伞", // 879 umbrella
  "独轮车", // 880 unicycle
  "立式钢琴", // 881 upright
  "吸尘器", // 882 vacuum
  "花瓶", // 883 vase
  "拱顶", // 884 vault
  "天鹅绒", // 885 velvet
  "自动售货机", // 886 vending machine
  "祭服", // 887 vestment
  "高架桥", // 888 viaduct
  "小提琴", // 889 violin
  "排球", // 890 volleyball
  "华夫饼机", // 891 waffle iron
  "挂钟", // 892 wall clock
  "皮夹", // 893 wallet
  "衣柜", // 894 wardrobe
  "战斗机", // 895 warplane
  "洗脸盆", // 896 washbasin
  "洗衣机", // 897 washer
  "水瓶", // 898 water bottle
  "水壶罐", // 899 water jug
  "水塔", // 900 water tower
  "威士忌酒壶", // 901 whiskey jug
  "哨子", // 902 whistle
  "假发", // 903 wig
  "纱窗", // 904 window screen
  "遮阳帘", // 905 window shade
  "温莎领带", // 906 Windsor tie
  "葡萄酒瓶", // 907 wine bottle
  "机翼", // 908 wing
  "炒锅", // 909 wok
  "木勺", // 910 wooden spoon
  "羊毛", // 911 wool
  "蛇形栅栏", // 912 worm fence
  "沉船", // 913 wreck
  "双桅小帆船", // 914 yawl
  "蒙古包", // 915 yurt
  "网站", // 916 web site
  "漫画书", // 917 comic book
  "填字游戏", // 918 crossword puzzle
  "路牌", // 919 street sign
  "交通信号灯", // 920 traffic light
  "书皮", // 921 book jacket
  "菜单", // 922 menu
  "盘子", // 923 plate
  "鳄梨酱", // 924 guacamole
  "清炖肉汤", // 925 consomme
  "火锅", // 926 hot pot
  "查佛蛋糕", // 927 trifle
  "冰淇淋", // 928 ice cream
  "冰棍", // 929 ice lolly
  "法棍面包", // 930 French loaf
  "百吉饼", // 931 bagel
  "椒盐卷饼", // 932 pretzel
  "芝士汉堡", // 933 cheeseburger
  "热狗", // 934 hotdog
  "土豆泥", // 935 mashed potato
  "卷心菜", // 936 head cabbage
  "西兰花", // 937 broccoli
  "花椰菜", // 938 cauliflower
  "西葫芦", // 939 zucchini
  "金丝瓜", // 940 spaghetti squash
  "橡子南瓜", // 941 acorn squash
  "奶油南瓜", // 942 butternut squash
  "黄瓜", // 943 cucumber
  "洋蓟", // 944 artichoke
  "甜椒", // 945 bell pepper
  "刺菜蓟", // 946 cardoon
  "蘑菇", // 947 mushroom
  "青苹果", // 948 Granny Smith
  "草莓", // 949 strawberry
  "橙子", // 950 orange
  "柠檬", // 951 lemon
  "无花果", // 952 fig
  "菠萝", // 953 pineapple
  "香蕉", // 954 banana
  "菠萝蜜", // 955 jackfruit
  "番荔枝", // 956 custard apple
  "石榴", // 957 pomegranate
  "干草", // 958 hay
  "培根蛋酱意面", // 959 carbonara
  "巧克力酱", // 960 chocolate sauce
  "面团", // 961 dough
  "肉卷", // 962 meat loaf
  "披萨", // 963 pizza
  "肉馅饼", // 964 potpie
  "墨西哥卷饼", // 965 burrito
  "红葡萄酒", // 966 red wine
  "意式浓缩咖啡", // 967 espresso
  "杯子", // 968 cup
  "蛋酒", // 969 eggnog
  "高山", // 970 alp
  "气泡", // 971 bubble
  "悬崖", // 972 cliff
  "珊瑚礁", // 973 coral reef
  "间歇泉", // 974 geyser
  "湖畔", // 975 lakeside
  "海角", // 976 promontory
  "沙洲", // 977 sandbar
  "海滨", // 978 seashore
  "山谷", // 979 valley
  "火山", // 980 volcano
  "棒球运动员", // 981 ballplayer
  "新郎", // 982 groom
  "潜水员", // 983 scuba diver
  "油菜花", // 984 rapeseed
  "雏菊", // 985 daisy
  "黄色杓兰", // 986 yellow lady's slipper
  "玉米", // 987 corn
  "橡子", // 988 acorn
  "玫瑰果", // 989 hip
  "七叶树果", // 990 buckeye
  "珊瑚菌", // 991 coral fungus
  "伞菌", // 992 agaric
  "鹿花菌", // 993 gyromitra
  "鬼笔菌", // 994 stinkhorn
  "地星", // 995 earthstar
  "灰树花", // 996 hen-of-the-woods
  "牛肝菌", // 997 bolete
  "玉米穗", // 998 ear
  "卫生纸", // 999 toilet tissue
];
